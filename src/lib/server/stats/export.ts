/**
 * CSV (or JSON) export of one part of the read model over a range: a breakdown (its
 * columns are the catalogue's, src/lib/stats/catalogue.ts), the time series, the goals,
 * or the journeys through a page and the paths after a path from entry, as the
 * dashboard's widgets and the Journeys and Paths APIs count them. Each export is one
 * entry of {@link EXPORTS}: the section it reads, its columns, its lines.
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
import type { Sections } from '../../stats/response';
import { CouchstatsError } from '../errors';
import { comparesRows, parseDirection } from './params';

/** A name accepted by `breakdown=`. */
export type ExportName = 'timeseries' | 'goals' | 'journeys' | 'paths' | BreakdownName;

/** The read model's sections an export comes from. */
export type ExportSection = 'timeseries' | 'breakdowns' | 'goals' | 'journeys' | 'paths';

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
	lines(value: Sections[S], request: ExportRequest): object[];
	/**
	 * What its file is of, when the range does not say it all: the parts of its name
	 * after the export's (a journey's page and side, a path's steps); none by default.
	 */
	subject?(value: Sections[S], request: ExportRequest): string[];
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

/** Every export by its name in `breakdown=`, in the order a refusal lists them. */
export const EXPORTS: Record<ExportName, Export> = Object.fromEntries([
	[
		'timeseries',
		entry({
			section: 'timeseries',
			columns: ['period', 'start', ...Object.keys(totalsFrom(emptySums()))],
			lines: (points) => points
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
 * The export named by `breakdown=`, its format, and for journeys `direction=`.
 * @throws {CouchstatsError} 400 for an unknown breakdown, format or direction.
 */
export function parseExportParams(params: URLSearchParams): ExportRequest {
	const name = params.get('breakdown') ?? '';
	// Own keys only: `in` would accept inherited names such as constructor or __proto__.
	if (!Object.hasOwn(EXPORTS, name)) {
		throw new CouchstatsError(
			400,
			`breakdown "${name.slice(0, 40)}" must be one of ${Object.keys(EXPORTS).join(', ')}`
		);
	}
	const format = params.get('format') ?? 'csv';
	if (format !== 'csv' && format !== 'json') {
		throw new CouchstatsError(400, `format "${format.slice(0, 20)}" must be csv or json`);
	}
	const direction = name === 'journeys' ? parseDirection(params) : null;
	return { name: name as ExportName, format, direction, compared: comparesRows(params) };
}

/** The lines of an export from the value of its section (events: one per prop value). */
export function exportLines(
	request: ExportRequest,
	value: Sections[ExportSection]
): Record<string, unknown>[] {
	return EXPORTS[request.name].lines(value as never, request) as Record<string, unknown>[];
}

/**
 * What an export's file name says it is of, before its range: its name, and what it is
 * of (`journeys-_pricing-next`, `paths-_-_pricing`), each part made fit for a file name.
 */
export function exportSubject(request: ExportRequest, value: Sections[ExportSection]): string {
	const parts = EXPORTS[request.name].subject?.(value as never, request) ?? [];
	return [request.name, ...parts.map(fileNamePart)].join('-');
}

/** The export as CSV text. */
export function exportCsv(request: ExportRequest, value: Sections[ExportSection]): string {
	const { columns, compared = [] } = EXPORTS[request.name];
	return toCsv([...columns, ...(request.compared ? compared : [])], exportLines(request, value));
}
