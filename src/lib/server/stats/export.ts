/**
 * CSV (or JSON) export of one breakdown or the time series of a Stats API response.
 */
import { toCsv } from '../../stats/csv';
import { CouchstatsError } from '../errors';
import type { StatsResponse } from '../../stats/response';

/** Names accepted by `breakdown=`, with the CSV columns of each. */
export const EXPORTS = {
	timeseries: [
		'period',
		'start',
		'pageviews',
		'visitors',
		'newVisitors',
		'sessions',
		'actualSessions',
		'engagedSessions',
		'engagementRate',
		'bounceRate',
		'engagedTimeMs',
		'avgEngagedTimeMs',
		'events'
	],
	pages: ['path', 'pageviews', 'visitors', 'engagedTimeMs', 'entries', 'exits'],
	entryPages: ['path', 'entries'],
	exitPages: ['path', 'exits', 'pageviews', 'exitRate'],
	referrers: ['value', 'sessions', 'visitors'],
	'utm.source': ['value', 'sessions', 'visitors'],
	'utm.medium': ['value', 'sessions', 'visitors'],
	'utm.campaign': ['value', 'sessions', 'visitors'],
	browsers: ['value', 'sessions', 'visitors'],
	os: ['value', 'sessions', 'visitors'],
	devices: ['value', 'sessions', 'visitors'],
	countries: ['value', 'sessions', 'visitors'],
	screens: ['value', 'sessions', 'visitors'],
	events: ['name', 'prop', 'value', 'count']
} as const;

/** A name accepted by `breakdown=`. */
export type ExportName = keyof typeof EXPORTS;

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

/** The rows of one export; events are flattened to one row per event and per prop value. */
export function exportRows(stats: StatsResponse, name: ExportName): Record<string, unknown>[] {
	const b = stats.breakdowns;
	switch (name) {
		case 'timeseries':
			return stats.timeseries as unknown as Record<string, unknown>[];
		case 'utm.source':
			return rows(b.utm.source);
		case 'utm.medium':
			return rows(b.utm.medium);
		case 'utm.campaign':
			return rows(b.utm.campaign);
		case 'events':
			return b.events.flatMap((e) => [
				{ name: e.name, prop: '', value: '', count: e.count },
				...Object.entries(e.props).flatMap(([prop, values]) =>
					values.map((v) => ({ name: e.name, prop, value: v.value, count: v.count }))
				)
			]);
		default:
			return rows(b[name]);
	}
}

/** The export as CSV text. */
export function exportCsv(stats: StatsResponse, name: ExportName): string {
	return toCsv([...EXPORTS[name]], exportRows(stats, name));
}

function rows(list: object[]): Record<string, unknown>[] {
	return list as Record<string, unknown>[];
}
