/**
 * CSV (or JSON) export of one part of the read model over a range: a breakdown (its
 * columns are the catalogue's, src/lib/stats/catalogue.ts), the time series, the totals,
 * the goals, or the journeys through a page and the paths after a path from entry, as the
 * dashboard's widgets and the Journeys and Paths APIs count them. Each export is one
 * entry of {@link EXPORTS}: the section it reads, its columns, its lines. A ZIP
 * (`format=zip`) holds every export of the Stats API's parameters ({@link ZIP_EXPORTS}).
 */
import { TRAIL_STEPS } from '../../classify/rules';
import {
	CATALOGUE,
	comparedColumns,
	comparedFields,
	rowsOf,
	type Breakdown,
	type BreakdownName,
	type Compared
} from '../../stats/catalogue';
import { fileNamePart, toCsv } from '../../stats/csv';
import type { Journey, JourneyDirection, PathReport } from '../../stats/journeys';
import { emptySums, totalsFrom } from '../../stats/metrics';
import type { PreviousPeriod, SectionName, Sections } from '../../stats/response';
import type { Totals } from '../../stats/metrics';
import { CouchstatsError } from '../errors';
import { comparesRows, parseDirection } from './params';
import { valueOf, type Settled, type StatsSections } from './read-stats';

/** A name accepted by `breakdown=`. */
export type ExportName = 'timeseries' | 'totals' | 'goals' | 'journeys' | 'paths' | BreakdownName;

/** What each kind of export is made from: a section of the read model, or the totals'. */
export interface ExportValues extends Pick<
	Sections,
	'timeseries' | 'breakdowns' | 'goals' | 'journeys' | 'paths'
> {
	/** The range's totals, its dates, and the period it is compared with. */
	totals: { from: string; to: string; totals: Totals; previous: PreviousPeriod };
}

/** What an export is made from: {@link ExportValues}' keys. */
export type ExportSection = keyof ExportValues;

/** The read model's sections each kind of export reads. */
export const EXPORT_READS = {
	timeseries: ['timeseries'],
	totals: ['totals', 'previous'],
	breakdowns: ['breakdowns'],
	goals: ['goals'],
	journeys: ['journeys'],
	paths: ['paths']
} as const satisfies { [S in ExportSection]: readonly (keyof Sections)[] };

/**
 * The one read of the read model that `names` (exports of the Stats API's parameters: no
 * journeys or paths) are made from: every section their {@link EXPORT_READS} name and
 * the breakdowns among them, each once, so that the views breakdowns share, the range and
 * the previous period are read once for all of them (a ZIP's twenty exports read them
 * anew each, an outside reread).
 */
export function exportReads(names: readonly ExportName[]): {
	sections: SectionName[];
	breakdowns: BreakdownName[];
} {
	const sections = new Set(names.flatMap((name) => EXPORT_READS[EXPORTS[name].section]));
	const breakdowns = names.filter((name) => EXPORTS[name].section === 'breakdowns');
	return { sections: [...sections], breakdowns: breakdowns as BreakdownName[] };
}

/**
 * What an export of `section` is made from, out of a read of its {@link EXPORT_READS}.
 * @throws the error of a section that could not be read.
 */
export function exportValue<S extends ExportSection>(
	section: S,
	read: StatsSections<(typeof EXPORT_READS)[S][number]>
): ExportValues[S] {
	if (section !== 'totals') {
		const sections = read as unknown as Record<S, Settled<ExportValues[S]>>;
		return valueOf(sections[section]);
	}
	const sections = read as unknown as StatsSections<'totals' | 'previous'>;
	const { from, to } = sections.range;
	return {
		from,
		to,
		totals: valueOf(sections.totals),
		previous: valueOf(sections.previous)
	} as ExportValues[S];
}

/** What an export request asks for: which export, in which format, and of journeys which side. */
export interface ExportRequest {
	name: ExportName;
	format: 'csv' | 'json';
	/** `direction=` of a journeys export (as the Journeys API's): one side only; null for both. */
	direction: JourneyDirection | null;
	/**
	 * Whether it compares with the previous period (`compare=` given, as the dashboard's
	 * links give the page's): a breakdown's lines then carry their change ({@link Export}).
	 */
	compared: boolean;
}

/** One export: the section it is read from, its CSV columns in order, and its lines. */
export interface Export<S extends ExportSection = ExportSection> {
	section: S;
	columns: readonly string[];
	/** The columns it adds when it compares with the previous period, after the others. */
	compared?: readonly string[];
	lines(value: ExportValues[S], request: ExportRequest): object[];
	/**
	 * What its file is of, when the range does not say it all: the parts of its name
	 * after the export's (a journey's page and side, a path's steps); none by default.
	 */
	subject?(value: ExportValues[S], request: ExportRequest): string[];
}

/** Keeps an export's section type for its `lines`. */
function entry<S extends ExportSection>(spec: Export<S>): Export {
	return spec as unknown as Export;
}

/** Columns `step1` … `step4`: a path from entry, one page a column (`TRAIL_STEPS`). */
const STEP_COLUMNS = Array.from({ length: TRAIL_STEPS }, (_, i) => `step${i + 1}`);

/**
 * The journeys through one page, a line per step on either side, as the widget's two
 * tables: the pages before it (`to` is the page) then the pages after it (`from` is the
 * page), each with its views and share, and the page's own views that the shares divide.
 */
function journeyLines(journey: Journey, { direction }: ExportRequest): object[] {
	const { page, views: pageViews } = journey;
	const line = (side: JourneyDirection, from: string | null, to: string | null) => ({
		page,
		pageViews,
		direction: side,
		from,
		to
	});
	const previous = journey.previous.map((step) => ({
		...line('previous', step.path, page),
		views: step.count,
		share: step.share
	}));
	const next = journey.next.map((step) => ({
		...line('next', page, step.path),
		views: step.count,
		share: step.share
	}));
	return [...(direction === 'next' ? [] : previous), ...(direction === 'previous' ? [] : next)];
}

/**
 * The paths after a path from entry, a line per page viewed next (or "(exit)"): the
 * whole path from entry in the step columns, its sessions and share, and the sessions
 * of the path before it that the shares divide.
 */
function pathLines(report: PathReport): object[] {
	const steps = Object.fromEntries(report.steps.map((step, i) => [STEP_COLUMNS[i], step]));
	const last = STEP_COLUMNS[report.steps.length];
	return report.next.map((next) => ({
		...steps,
		[last]: next.path,
		sessions: next.count,
		share: next.share,
		pathSessions: report.sessions
	}));
}

/** A breakdown's export: its rows, as its catalogue entry writes its CSV lines. */
function breakdownExport(breakdown: Breakdown): [string, Export] {
	return [
		breakdown.name,
		entry({
			section: 'breakdowns',
			columns: breakdown.csv,
			compared: comparedColumns(breakdown),
			lines: (breakdowns) => {
				const rows = rowsOf(breakdowns, breakdown.name);
				const lines = (breakdown.csvRows?.(rows) ?? rows) as Compared<object>[];
				// Its main metric before and its change as columns of their own (`previousVisitors`).
				return lines.map(({ previous, change, ...line }) => ({
					...line,
					...comparedFields(breakdown, { previous, change })
				}));
			}
		})
	];
}

/** The columns of the totals: the Overview's numbers, as each point of the time series has them. */
const TOTALS_COLUMNS = Object.keys(totalsFrom(emptySums()));

/** Every export by its name in `breakdown=`, in the order a refusal lists them. */
export const EXPORTS: Record<ExportName, Export> = Object.fromEntries([
	[
		'timeseries',
		entry({
			section: 'timeseries',
			columns: ['period', 'start', ...TOTALS_COLUMNS],
			lines: (points) => points
		})
	],
	[
		'totals',
		entry({
			section: 'totals',
			columns: ['period', 'from', 'to', 'compare', ...TOTALS_COLUMNS],
			// The Overview's numbers and what its changes compare with.
			lines: ({ from, to, totals, previous }) => [
				{ period: 'current', from, to, ...totals },
				{
					period: 'previous',
					from: previous.from,
					to: previous.to,
					compare: previous.compare,
					...previous.totals
				}
			]
		})
	],
	[
		'goals',
		entry({
			section: 'goals',
			columns: [
				'goal',
				'kind',
				'conversions',
				'visitors',
				'conversionRate',
				'previousConversions',
				'previousVisitors',
				'previousConversionRate'
			],
			// Goals have no export of their own otherwise (an outside review missed it).
			lines: (goals) =>
				goals.map((g) => ({
					goal: g.label,
					kind: g.goal.kind,
					conversions: g.conversions,
					visitors: g.visitors,
					conversionRate: g.conversionRate,
					previousConversions: g.previous.conversions,
					previousVisitors: g.previous.visitors,
					previousConversionRate: g.previous.conversionRate
				}))
		})
	],
	[
		'journeys',
		entry({
			section: 'journeys',
			columns: ['page', 'pageViews', 'direction', 'from', 'to', 'views', 'share'],
			lines: journeyLines,
			// The page (none when the range has no pageviews), and the side when one only.
			subject: ({ page }, { direction }) => [page, direction].filter((part) => part !== null)
		})
	],
	[
		'paths',
		entry({
			section: 'paths',
			columns: [...STEP_COLUMNS, 'sessions', 'share', 'pathSessions'],
			lines: pathLines,
			// No steps: the entry pages.
			subject: ({ steps }) => (steps.length ? steps : ['entry'])
		})
	],
	...CATALOGUE.map(breakdownExport)
]) as Record<ExportName, Export>;

/**
 * The exports a ZIP holds (`format=zip`): every one that takes the Stats API's parameters,
 * which the dashboard's page has; not the journeys and paths, which are of one page or
 * path and count under a source filter only.
 */
export const ZIP_EXPORTS = (Object.keys(EXPORTS) as ExportName[]).filter(
	(name) => EXPORTS[name].section !== 'journeys' && EXPORTS[name].section !== 'paths'
);

/** A request for every export of {@link ZIP_EXPORTS} in one ZIP. */
export interface ZipRequest {
	format: 'zip';
	/** Whether its exports compare with the previous period ({@link ExportRequest}). */
	compared: boolean;
}

/**
 * The export named by `breakdown=`, its format, and for journeys `direction=`; or, with
 * `format=zip` and no `breakdown`, every export in one ZIP.
 * @throws {CouchstatsError} 400 for an unknown breakdown, format or direction, or a
 *   breakdown named with `format=zip`.
 */
export function parseExportParams(params: URLSearchParams): ExportRequest | ZipRequest {
	const format = params.get('format') ?? 'csv';
	const name = params.get('breakdown');
	if (format === 'zip') {
		if (name === null) return { format, compared: comparesRows(params) };
		throw new CouchstatsError(
			400,
			`breakdown "${name.slice(0, 40)}" cannot go with format=zip, which holds every export: leave breakdown out`
		);
	}
	// Own keys only: `in` would accept inherited names such as constructor or __proto__.
	if (!Object.hasOwn(EXPORTS, name ?? '')) {
		throw new CouchstatsError(
			400,
			`breakdown "${(name ?? '').slice(0, 40)}" must be one of ${Object.keys(EXPORTS).join(', ')} (or leave it out with format=zip for all but journeys and paths in one ZIP)`
		);
	}
	if (format !== 'csv' && format !== 'json') {
		throw new CouchstatsError(400, `format "${format.slice(0, 20)}" must be csv, json or zip`);
	}
	const direction = name === 'journeys' ? parseDirection(params) : null;
	return { name: name as ExportName, format, direction, compared: comparesRows(params) };
}

/** The lines of an export from the value of its section (events: one per prop value). */
export function exportLines(
	request: ExportRequest,
	value: ExportValues[ExportSection]
): Record<string, unknown>[] {
	return EXPORTS[request.name].lines(value as never, request) as Record<string, unknown>[];
}

/**
 * What an export's file name says it is of, before its range: its name, and what it is
 * of (`journeys-_pricing-next`, `paths-_-_pricing`), each part made fit for a file name.
 */
export function exportSubject(request: ExportRequest, value: ExportValues[ExportSection]): string {
	const parts = EXPORTS[request.name].subject?.(value as never, request) ?? [];
	return [request.name, ...parts.map(fileNamePart)].join('-');
}

/** The export as CSV text. */
export function exportCsv(request: ExportRequest, value: ExportValues[ExportSection]): string {
	const { columns, compared = [] } = EXPORTS[request.name];
	return toCsv([...columns, ...(request.compared ? compared : [])], exportLines(request, value));
}
