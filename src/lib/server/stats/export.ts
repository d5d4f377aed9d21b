/**
 * CSV (or JSON) export of one breakdown or the time series of a Stats API response.
 * The breakdowns and their columns are the catalogue's (src/lib/stats/catalogue.ts).
 */
import { CATALOGUE, rowsOf, type BreakdownName } from '../../stats/catalogue';
import { toCsv } from '../../stats/csv';
import { emptySums, totalsFrom } from '../../stats/metrics';
import type { StatsResponse } from '../../stats/response';
import { CouchstatsError } from '../errors';

/** A name accepted by `breakdown=`. */
export type ExportName = 'timeseries' | 'goals' | BreakdownName;

/** A goal's CSV line: its numbers over the range and the previous period. */
const GOAL_COLUMNS = [
	'goal',
	'kind',
	'conversions',
	'visitors',
	'conversionRate',
	'previousConversions',
	'previousVisitors',
	'previousConversionRate'
] as const;

/** Names accepted by `breakdown=`, with the CSV columns of each. */
export const EXPORTS: Record<ExportName, readonly string[]> = Object.fromEntries([
	['timeseries', ['period', 'start', ...Object.keys(totalsFrom(emptySums()))]],
	['goals', GOAL_COLUMNS],
	...CATALOGUE.map((breakdown) => [breakdown.name, breakdown.csv])
]);

/** What an export reads of a Stats API response. */
export type ExportedStats = Pick<StatsResponse, 'timeseries' | 'breakdowns' | 'goals'>;

/**
 * The export named by `breakdown=` and its format.
 * @throws {CouchstatsError} 400 for an unknown breakdown or format.
 */
export function parseExportParams(params: URLSearchParams): {
	name: ExportName;
	format: 'csv' | 'json';
} {
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
	return { name: name as ExportName, format };
}

/** The rows of one export, as its breakdown writes its CSV lines (events: one per prop value). */
export function exportRows(stats: ExportedStats, name: ExportName): Record<string, unknown>[] {
	if (name === 'timeseries') return stats.timeseries as unknown as Record<string, unknown>[];
	if (name === 'goals') {
		// Goals have no export of their own otherwise (an outside review missed it).
		return stats.goals.map((g) => ({
			goal: g.label,
			kind: g.goal.kind,
			conversions: g.conversions,
			visitors: g.visitors,
			conversionRate: g.conversionRate,
			previousConversions: g.previous.conversions,
			previousVisitors: g.previous.visitors,
			previousConversionRate: g.previous.conversionRate
		}));
	}
	const breakdown = CATALOGUE.find((b) => b.name === name)!;
	const rows = rowsOf(stats.breakdowns, name);
	return (breakdown.csvRows?.(rows) ?? rows) as Record<string, unknown>[];
}

/** The export as CSV text. */
export function exportCsv(stats: ExportedStats, name: ExportName): string {
	return toCsv([...EXPORTS[name]], exportRows(stats, name));
}
