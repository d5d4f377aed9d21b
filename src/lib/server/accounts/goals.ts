/**
 * A site's goals (src/lib/stats/goals.ts): checked when an owner saves one, stored in
 * the site's record in the sites database, removed by id. Only those who may manage the
 * site (its owners and admins, {@link changeSite}) change them.
 */
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { LIMITS, PATH_PATTERN, canonicalPath } from '../../records';
import { goalLabel, type Goal } from '../../stats/goals';
import type { User } from './auth';
import type { Couch } from '../couch';
import { CouchstatsError, FieldError } from '../errors';
import { hasNoControl } from '../../text';
import { changeSite } from './site-admin';
import type { SiteRecord } from './sites';

/** Most goals a site may have: each costs a few view reads on every dashboard load. */
export const MAX_GOALS = 20;

/** Trimmed text of at most `max` characters, without control characters. */
function text(what: string, max: number) {
	return v.pipe(
		v.string(),
		v.trim(),
		v.minLength(1, `${what} is required`),
		v.maxLength(max, `${what} must be at most ${max} characters`),
		v.check(hasNoControl, `${what} must not contain control characters`)
	);
}

/** What an owner submits for a goal. */
const goalInputSchema = v.variant('kind', [
	v.object({
		kind: v.literal('event'),
		name: text('the event name', LIMITS.eventName),
		prop: v.optional(
			v.object({
				key: text('the prop name', LIMITS.propKey),
				value: text('the prop value', LIMITS.propValue)
			})
		)
	}),
	v.object({
		kind: v.literal('page'),
		path: v.pipe(
			text('the page path', LIMITS.path),
			// `*` is a wildcard; the rest is a path as the tracker records it.
			v.check(
				(path) => PATH_PATTERN.test(path.replaceAll('*', 'x')),
				'the page path must start with / and hold no ? or # (a hash route is #/…); * stands for any characters'
			)
		)
	})
]);

/** A goal's fields without its id. */
export type GoalInput = v.InferOutput<typeof goalInputSchema>;

/**
 * Reads a goal from the settings form (`kind`, then `name` with optional `propKey` and
 * `propValue`, or `path`).
 * @throws {CouchstatsError} 400 saying what is wrong.
 */
export function parseGoalForm(form: FormData): GoalInput {
	return parseGoalFields((name) => {
		const value = form.get(name);
		return typeof value === 'string' ? value : '';
	});
}

/**
 * Reads a goal's fields (as {@link parseGoalForm} names them) through `field`: the one
 * rule for a goal and for each step of a funnel (./funnels.ts).
 * @param step For a funnel's step, how errors name it (`step 2`).
 * @throws {FieldError} 400 saying what is wrong, about the field (`kind`, `name`, `path`,
 *   `propKey` or `propValue`) it names.
 */
export function parseGoalFields(field: (name: string) => string, step?: string): GoalInput {
	const prefix = step ? `${step}: ` : '';
	const noun = step ? 'step' : 'goal';
	const kind = field('kind');
	if (kind !== 'event' && kind !== 'page') {
		throw new FieldError(400, `${prefix}a ${noun} is an event or a page`, 'kind');
	}
	const key = field('propKey').trim();
	const value = field('propValue').trim();
	if (kind === 'event' && Boolean(key) !== Boolean(value)) {
		throw new FieldError(
			400,
			`${prefix}a prop ${noun} needs both the prop name and its value`,
			key ? 'propValue' : 'propKey'
		);
	}
	const input =
		kind === 'event'
			? { kind, name: field('name'), ...(key ? { prop: { key, value } } : {}) }
			: { kind, path: canonicalPath(field('path')) };
	const result = v.safeParse(goalInputSchema, input);
	if (!result.success) {
		const issue = result.issues[0];
		const path = v.getDotPath(issue);
		const field = path === 'prop.key' ? 'propKey' : path === 'prop.value' ? 'propValue' : path;
		throw new FieldError(400, prefix + issue.message, field ?? 'kind');
	}
	return result.output;
}

/**
 * Whether two goals count the same thing: by what they match, not by how their labels
 * read (`/caf%c3%a9` and `/caf%C3%A9` read alike and are two recorded paths: an outside
 * re-check had the second refused as a duplicate).
 */
function sameGoal(a: Goal | GoalInput, b: Goal | GoalInput): boolean {
	const what = (g: Goal | GoalInput) =>
		JSON.stringify(g.kind === 'page' ? [g.kind, g.path] : [g.kind, g.name, g.prop ?? null]);
	return what(a) === what(b);
}

/**
 * Adds a goal to a site.
 * @throws {CouchstatsError} 400 when the site has {@link MAX_GOALS} goals; 409 (a
 *   {@link FieldError}) when it has this goal already; 404 as {@link changeSite}.
 */
export function addGoal(couch: Couch, user: User, site: string, input: GoalInput) {
	return changeSite(couch, user, site, (record): SiteRecord => {
		const goals = record.goals ?? [];
		if (goals.some((goal) => sameGoal(goal, input))) {
			throw new FieldError(
				409,
				`the goal ${goalLabel({ ...input, id: '' } as Goal)} exists already`,
				input.kind === 'page' ? 'path' : 'name'
			);
		}
		if (goals.length >= MAX_GOALS) {
			throw new CouchstatsError(400, `a site has at most ${MAX_GOALS} goals`);
		}
		const goal = { ...input, id: randomBytes(4).toString('hex') } as Goal;
		return { ...record, goals: [...goals, goal] };
	});
}

/**
 * Removes a goal from a site.
 * @throws {CouchstatsError} 404 when the site has no goal with that id.
 */
export function removeGoal(couch: Couch, user: User, site: string, id: string) {
	return changeSite(couch, user, site, (record): SiteRecord => {
		const goals = record.goals ?? [];
		if (!goals.some((goal) => goal.id === id)) {
			throw new CouchstatsError(404, 'no such goal');
		}
		return { ...record, goals: goals.filter((goal) => goal.id !== id) };
	});
}
