/**
 * Funnels: 2–8 ordered steps, each shaped like a goal (an event, optionally with one
 * prop value, or a page path with `*` wildcards), and how one session walks them. Pure,
 * so the read (src/lib/server/funnels/read-funnel.ts), the settings page and the
 * funnel page share one definition. docs/DESIGN.md, "Funnels", gives the cost.
 */
import { goalPhrase, wildcardMatcher, type Goal } from './goals';
import { phraseText, type Phrase } from '../text';
import { rate } from './metrics';
import type { DateRange } from './periods';
import type { Preset } from './range';
import type { RecordValue } from './sessions';

/** One step of a funnel: a goal's fields without its id. */
export type FunnelStep = Goal extends infer G ? (G extends Goal ? Omit<G, 'id'> : never) : never;

/** A funnel as stored with its site (src/lib/server/accounts/funnels.ts validates it). */
export interface Funnel {
	id: string;
	name: string;
	steps: FunnelStep[];
}

/** How a step reads, its visitors' text quoted (goalPhrase): `signup`, `signup (plan = pro)`, `/docs/*`. */
export function stepPhrase(step: FunnelStep): Phrase {
	return goalPhrase({ ...step, id: '' } as Goal);
}

/** {@link stepPhrase} as one string: the Stats API's label. */
export function stepLabel(step: FunnelStep): string {
	return phraseText(stepPhrase(step));
}

/**
 * Steps with their kinds, as a list of steps reads them: `page /signup → event signup` (an
 * outside review: a page and an event of one name differed only by a slash).
 */
export function stepsPhrase(steps: readonly FunnelStep[]): Phrase {
	return steps.flatMap((step, i) => [
		i ? ` → ${step.kind} ` : `${step.kind} `,
		...stepPhrase(step)
	]);
}

/** A test for the records (as `session-records` holds them) that reach a step. */
export function stepMatcher(step: FunnelStep): (record: RecordValue) => boolean {
	if (step.kind === 'page') {
		const match = wildcardMatcher(step.path);
		return (record) => record.type === 'pageview' && match(record.path);
	}
	const { name, prop } = step;
	return (record) =>
		record.type === 'event' &&
		record.name === name &&
		// Prop values compare as text, as the `event-props` view and goals do.
		(!prop ||
			(record.props?.[prop.key] !== undefined && String(record.props[prop.key]) === prop.value));
}

/** A record of a session as read from `session-records`, in record order (time, then id). */
export interface SessionRecord {
	id: string;
	ts: number;
	value: RecordValue;
}

/** How far one session went through a funnel. */
export interface FunnelWalk {
	/** The record by which the session first reached step 1. */
	entry: SessionRecord;
	/** Steps reached in order, 1 … the funnel's length. */
	reached: number;
}

/**
 * Walks one session's records (in record order) through the steps: the session enters
 * by its first record matching step 1; each later step counts only at a record after
 * the one that reached the step before it. Taking the earliest match each time finds
 * the longest ordered run there is. Null when no record reaches step 1.
 */
export function walkFunnel(steps: FunnelStep[], records: SessionRecord[]): FunnelWalk | null {
	const matchers = steps.map(stepMatcher);
	let entry: SessionRecord | undefined;
	let reached = 0;
	for (const record of records) {
		if (reached === matchers.length) break;
		if (!matchers[reached](record.value)) continue;
		if (reached === 0) entry = record;
		reached++;
	}
	return entry ? { entry, reached } : null;
}

/**
 * Adds one counted session to a report's counts: it reached every step up to `reached`.
 * The report's counts and the session lists of its steps ({@link selects}) both read
 * `reached` this way.
 */
export function countWalk(counts: number[], reached: number): void {
	for (let i = 0; i < reached; i++) counts[i]++;
}

/**
 * The sessions of a funnel a session list shows (the Sessions API's `funnel=FID&step=N`,
 * with `dropped=1`): those counted at step `step` (1-based) of the report, or with
 * `dropped`, those counted at it and not at the next (the next step's `dropOff`).
 */
export interface FunnelSelection {
	step: number;
	dropped: boolean;
}

/** Whether a session that reached `reached` steps is one of the sessions `selection` names. */
export function selects(selection: FunnelSelection, reached: number): boolean {
	return selection.dropped ? reached === selection.step : reached >= selection.step;
}

/** A funnel step's sessions as a session list names them. */
export interface FunnelChoice extends FunnelSelection {
	/** The funnel's id and name. */
	id: string;
	name: string;
	/** The step as it reads (`stepLabel`). */
	label: string;
}

/** A funnel step's session list in the Sessions API's answer: what it is of, how far read. */
export interface FunnelSessions extends FunnelChoice {
	/**
	 * Rows of step 1 (the records reaching it in the range) read up to the end of this
	 * page, and in all, as the report's `progress` counts them.
	 */
	progress: { read: number; total: number };
}

/** The Sessions API's parameters of a funnel step's sessions: `funnel`, `step`, `dropped`. */
export function funnelParams(selection: FunnelSelection & { id: string }): Record<string, string> {
	return {
		funnel: selection.id,
		step: String(selection.step),
		...(selection.dropped ? { dropped: '1' } : {})
	};
}

/** A funnel step's sessions in a file's name: `funnel-f1-step-2`, `…-dropped`. */
export function funnelFileName(choice: FunnelSelection & { id: string }): string {
	return `funnel-${choice.id}-step-${choice.step}${choice.dropped ? '-dropped' : ''}`;
}

/**
 * What a funnel step's session list holds, in words: the sessions the report counts at
 * the step, or those it counts in the next step's drop-off.
 */
export function choicePhrase(choice: FunnelChoice): Phrase {
	const step = [`step ${choice.step} (`, { quoted: choice.label }, `) of the funnel `];
	return choice.dropped
		? [
				'Sessions that reached ',
				...step,
				{ quoted: choice.name },
				` and not step ${choice.step + 1}`
			]
		: ['Sessions that reached ', ...step, { quoted: choice.name }, ', after every step before it'];
}

/** One step of a funnel report. */
export interface FunnelStepReport {
	step: FunnelStep;
	label: string;
	/** Sessions that reached this step after all the steps before it. */
	sessions: number;
	/** Sessions of the step before that did not reach this one (0 for step 1). */
	dropOff: number;
	/** `sessions` ÷ the step before's sessions (1 for step 1; 0 when none entered). */
	stepRate: number;
	/** `sessions` ÷ step 1's sessions: the conversion rate up to this step. */
	conversionRate: number;
}

/** The report of a funnel from the sessions that reached each step. */
export function funnelSteps(steps: FunnelStep[], counts: number[]): FunnelStepReport[] {
	return steps.map((step, i) => {
		const sessions = counts[i] ?? 0;
		const before = i === 0 ? sessions : (counts[i - 1] ?? 0);
		return {
			step,
			label: stepLabel(step),
			sessions,
			dropOff: before - sessions,
			stepRate: i === 0 ? (sessions > 0 ? 1 : 0) : rate(sessions, before),
			conversionRate: rate(sessions, counts[0] ?? 0)
		};
	});
}

/** The Funnels API's answer (README, "Funnels API"): one batch of a funnel's count. */
export interface FunnelResponse {
	site: string;
	funnel: { id: string; name: string };
	range: DateRange;
	/** The counts of the sessions read so far: final when `progress.done`. */
	steps: FunnelStepReport[];
	progress: {
		/** Rows of step 1 (records reaching it in the range) read so far. */
		read: number;
		/** Rows of step 1 in the range. */
		total: number;
		/** Sessions whose records were read so far (a session counts once per batch). */
		sessionsRead: number;
		done: boolean;
	};
	/** The cursor of the next batch, null when done. */
	next: string | null;
	indexing: boolean;
}

/** CSV columns of a funnel report (the Funnels API's `format=csv`). */
export const FUNNEL_CSV_COLUMNS: string[] = [
	'step',
	'label',
	'sessions',
	'dropOff',
	'stepRate',
	'conversionRate'
];

/** A funnel report's CSV rows. */
export function funnelCsvRows(steps: FunnelStepReport[]) {
	return steps.map((s, i) => ({
		step: i + 1,
		label: s.label,
		sessions: s.sessions,
		dropOff: s.dropOff,
		stepRate: s.stepRate,
		conversionRate: s.conversionRate
	}));
}

/** The funnel page's data (`/sites/[site]/funnels`): the site's funnels, the one shown. */
export interface FunnelPageData {
	site: { id: string; name: string; timeZone: string };
	range: { preset: Preset; from: string; to: string; tz: string };
	funnels: { id: string; name: string }[];
	/** The first batch of the funnel shown, or why it could not be read; null without funnels. */
	report: FunnelResponse | { problem: string } | null;
}
