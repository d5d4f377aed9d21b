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
	/**
	 * The time (ms) of the record that reached each step reached, in order (`at[0]` is
	 * `entry`'s): the times between steps ({@link countTimes}) are measured between these.
	 */
	at: number[];
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
	const at: number[] = [];
	for (const record of records) {
		if (reached === matchers.length) break;
		if (!matchers[reached](record.value)) continue;
		if (reached === 0) entry = record;
		at.push(record.ts);
		reached++;
	}
	return entry ? { entry, reached, at } : null;
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
 * The bucket edges, in seconds, of the histogram of times between two steps: bucket `b`
 * holds the times `t` with `STEP_TIME_EDGES[b] ≤ t < STEP_TIME_EDGES[b + 1]`, the last
 * bucket every time from a day on. Log-spaced (each edge 1.25–2× the one before, mostly
 * 1.5×) in round numbers, so that the median's bucket reads as a range a person would
 * say. A report is read in batches with a cursor, and a median cannot be merged across
 * batches, but a histogram can: the cursor carries one per step after the first.
 */
export const STEP_TIME_EDGES: readonly number[] = [
	0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700,
	3600, 5400, 7200, 10800, 14400, 21600, 43200, 86400
];

/** The histogram bucket of a time between two steps, in ms (0 or more). */
export function timeBucket(ms: number): number {
	const seconds = ms / 1000;
	let b = 0;
	while (b + 1 < STEP_TIME_EDGES.length && STEP_TIME_EDGES[b + 1] <= seconds) b++;
	return b;
}

/** Empty histograms of the times between steps: one per step after the first. */
export function emptyTimes(steps: number): number[][] {
	return Array.from({ length: Math.max(steps - 1, 0) }, () => STEP_TIME_EDGES.map(() => 0));
}

/**
 * Adds one counted session's times between steps to a report's histograms: for each
 * step N + 1 it reached, the time from the record that reached step N to the record that
 * reached step N + 1 ({@link FunnelWalk}.at), counted in `times[N - 1]`.
 */
export function countTimes(times: number[][], at: readonly number[]): void {
	for (let step = 2; step <= at.length; step++) {
		times[step - 2][timeBucket(timeFromStepBefore(at, step)!)]++;
	}
}

/**
 * The time, in ms, a session took to reach step `step` (1-based) from the step before:
 * from the record that reached step `step` − 1 to the record that reached `step`
 * ({@link FunnelWalk}.at), what the report's histograms count ({@link countTimes}) and a
 * step's session list shows for each session. Null for step 1, and for a step the session
 * did not reach.
 */
export function timeFromStepBefore(at: readonly number[], step: number): number | null {
	return step > 1 && step <= at.length ? at[step - 1] - at[step - 2] : null;
}

/** How many times a histogram of times between steps holds: the sessions it is over. */
export function timedCount(histogram: readonly number[]): number {
	return histogram.reduce((sum, c) => sum + c, 0);
}

/**
 * The median of a histogram of times as the bounds, in seconds, of the bucket holding
 * it: the bucket of the ⌈n / 2⌉-th shortest time of the n counted (the lower median when
 * n is even), `low ≤ median < high`, `high` null for the last bucket (a day or more).
 * Null when the histogram is empty.
 */
export function medianBucket(histogram: readonly number[]): StepTime['median'] {
	const n = timedCount(histogram);
	if (n === 0) return null;
	let seen = 0;
	let b = 0;
	for (; b < histogram.length; b++) {
		seen += histogram[b];
		if (seen >= Math.ceil(n / 2)) break;
	}
	return { low: STEP_TIME_EDGES[b], high: STEP_TIME_EDGES[b + 1] ?? null };
}

/**
 * The time sessions took to reach a step from the step before: from the record that
 * reached the step before to the record that reached this one, in the session (the
 * walk's records, {@link walkFunnel}).
 */
export interface StepTime {
	/** Sessions it is over: those that reached this step (its `sessions`). */
	sessions: number;
	/**
	 * The median's histogram bucket in seconds ({@link medianBucket}), `low ≤ median <
	 * high`; null when no session reached the step.
	 */
	median: { low: number; high: number | null } | null;
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

/**
 * What a funnel step's session list holds, short, for its page's title (the chip says it
 * whole, {@link choicePhrase}): `funnel “Signup” step 2`, `… dropped after step 2`.
 */
export function choiceTitle(choice: Pick<FunnelChoice, 'name' | 'step' | 'dropped'>): string {
	const how = choice.dropped ? 'dropped after step' : 'step';
	return `funnel “${choice.name}” ${how} ${choice.step}`;
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
	/** The time from the step before (null for step 1). */
	time: StepTime | null;
}

/**
 * The report of a funnel from the sessions that reached each step and the histograms of
 * their times between steps ({@link countTimes}).
 */
export function funnelSteps(
	steps: FunnelStep[],
	counts: number[],
	times: number[][]
): FunnelStepReport[] {
	return steps.map((step, i) => {
		const sessions = counts[i] ?? 0;
		const before = i === 0 ? sessions : (counts[i - 1] ?? 0);
		return {
			step,
			label: stepLabel(step),
			sessions,
			dropOff: before - sessions,
			stepRate: i === 0 ? (sessions > 0 ? 1 : 0) : rate(sessions, before),
			conversionRate: rate(sessions, counts[0] ?? 0),
			time: i === 0 ? null : stepTime(times[i - 1] ?? [])
		};
	});
}

function stepTime(histogram: readonly number[]): StepTime {
	return {
		sessions: timedCount(histogram),
		median: medianBucket(histogram)
	};
}

/**
 * The `error` of the Funnels API's 400 for a cursor an older couchstats wrote (before it
 * carried the times between steps): the read cannot go on exactly from it, and starts
 * again from its first batch (the funnels page does so by itself).
 */
export const CURSOR_OUTDATED = 'cursor_outdated';

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
	'conversionRate',
	'timedSessions',
	'medianSecondsLow',
	'medianSecondsHigh'
];

/** A funnel report's CSV rows. */
export function funnelCsvRows(steps: FunnelStepReport[]) {
	return steps.map((s, i) => ({
		step: i + 1,
		label: s.label,
		sessions: s.sessions,
		dropOff: s.dropOff,
		stepRate: s.stepRate,
		conversionRate: s.conversionRate,
		// Empty for step 1, which has no step before it; the high bound for a day or more.
		timedSessions: s.time?.sessions,
		medianSecondsLow: s.time?.median?.low,
		medianSecondsHigh: s.time?.median?.high
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
