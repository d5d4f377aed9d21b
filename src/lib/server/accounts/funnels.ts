/**
 * A site's funnels (src/lib/stats/funnels.ts): checked when an owner saves one, stored
 * in the site's record in the sites database beside its goals, replaced or removed by
 * id. Each step is checked by the goals' own rule ({@link parseGoalFields}). Only those
 * who may manage the site (its owners and admins, {@link changeSite}) change them.
 */
import { randomBytes } from 'node:crypto';
import type { Funnel, FunnelStep } from '../../stats/funnels';
import type { User } from './auth';
import type { Couch } from '../couch';
import { CouchstatsError, FieldError } from '../errors';
import { nameFault } from '../../text';
import { parseGoalFields } from './goals';
import { changeSite } from './site-admin';
import type { SiteRecord } from './sites';

/** Most funnels a site may have: the settings page and the funnel page list them all. */
export const MAX_FUNNELS = 10;
/** Fewest and most steps of a funnel. */
export const FUNNEL_STEPS = { min: 2, max: 8 } as const;
/** Longest funnel name. */
export const FUNNEL_NAME_MAX = 60;

/** What an owner submits for a funnel. */
export interface FunnelInput {
	/** The funnel replaced, or undefined for a new one. */
	id?: string;
	name: string;
	steps: FunnelStep[];
}

/**
 * Reads a funnel from the settings form: `name`, an optional `id` (editing), and up to
 * {@link FUNNEL_STEPS}.max rows `step1.kind` (`event` or `page`), `step1.value` (the
 * event name or page path), `step1.propKey`, `step1.propValue`, … in order; rows left
 * empty are skipped.
 * @throws {CouchstatsError} 400 saying what is wrong; a {@link FieldError} naming the
 *   form's field (`name`, `step3.value`, …) when it is about one.
 */
export function parseFunnelForm(form: FormData): FunnelInput {
	const field = (name: string) => {
		const value = form.get(name);
		return typeof value === 'string' ? value : '';
	};
	const name = field('name').trim();
	if (!name) throw new FieldError(400, 'the funnel name is required', 'name');
	if (name.length > FUNNEL_NAME_MAX) {
		throw new FieldError(
			400,
			`the funnel name must be at most ${FUNNEL_NAME_MAX} characters`,
			'name'
		);
	}
	const fault = nameFault(name);
	if (fault) throw new FieldError(400, `the funnel name ${fault}`, 'name');
	const steps: FunnelStep[] = [];
	for (let row = 1; row <= FUNNEL_STEPS.max + 1; row++) {
		const value = field(`step${row}.value`);
		if (!value.trim()) continue;
		if (steps.length === FUNNEL_STEPS.max) {
			throw new CouchstatsError(400, `a funnel has at most ${FUNNEL_STEPS.max} steps`);
		}
		const kind = field(`step${row}.kind`);
		const fields: Record<string, string> = {
			kind,
			[kind === 'page' ? 'path' : 'name']: value,
			propKey: field(`step${row}.propKey`),
			propValue: field(`step${row}.propValue`)
		};
		steps.push(
			inRow(row, () => parseGoalFields((f) => fields[f] ?? '', `step ${steps.length + 1}`))
		);
	}
	if (steps.length < FUNNEL_STEPS.min) {
		throw new CouchstatsError(400, `a funnel needs at least ${FUNNEL_STEPS.min} steps`);
	}
	const id = field('id').trim();
	return { ...(id ? { id } : {}), name, steps };
}

/** Runs `parse` on the form's row `row`, naming that row's field in its error. */
function inRow<T>(row: number, parse: () => T): T {
	try {
		return parse();
	} catch (e) {
		if (!(e instanceof FieldError)) throw e;
		// A step's event name or page path is its row's one `value` field.
		const field = e.field === 'name' || e.field === 'path' ? 'value' : e.field;
		throw new FieldError(e.status, e.message, `step${row}.${field}`);
	}
}

/**
 * Adds a funnel to a site, or replaces the one with `input.id`.
 * @throws {CouchstatsError} 409 when another funnel has that name; 400 when the site
 *   has {@link MAX_FUNNELS} funnels; 404 when `input.id` names none, or as
 *   {@link changeSite}.
 */
export function saveFunnel(couch: Couch, user: User, site: string, input: FunnelInput) {
	return changeSite(couch, user, site, (record): SiteRecord => {
		const funnels = record.funnels ?? [];
		const name = input.name.toLowerCase();
		if (funnels.some((f) => f.id !== input.id && f.name.toLowerCase() === name)) {
			throw new FieldError(409, `a funnel named "${input.name}" exists already`, 'name');
		}
		if (input.id) {
			if (!funnels.some((f) => f.id === input.id)) throw new CouchstatsError(404, 'no such funnel');
			const funnel: Funnel = { id: input.id, name: input.name, steps: input.steps };
			return { ...record, funnels: funnels.map((f) => (f.id === input.id ? funnel : f)) };
		}
		if (funnels.length >= MAX_FUNNELS) {
			throw new CouchstatsError(400, `a site has at most ${MAX_FUNNELS} funnels`);
		}
		const funnel: Funnel = {
			id: randomBytes(4).toString('hex'),
			name: input.name,
			steps: input.steps
		};
		return { ...record, funnels: [...funnels, funnel] };
	});
}

/**
 * Removes a funnel from a site.
 * @throws {CouchstatsError} 404 when the site has no funnel with that id.
 */
export function removeFunnel(couch: Couch, user: User, site: string, id: string) {
	return changeSite(couch, user, site, (record): SiteRecord => {
		const funnels = record.funnels ?? [];
		if (!funnels.some((f) => f.id === id)) throw new CouchstatsError(404, 'no such funnel');
		return { ...record, funnels: funnels.filter((f) => f.id !== id) };
	});
}
