/**
 * The site's paths a page pattern (`/docs/*`) matches, for the funnels' wildcard first
 * step and the dashboard's page-pattern filter (wildcard page goals): one
 * `group_level=3` read of `funnel-entries` under the pattern's literal prefix, one row
 * per distinct path ever viewed there (docs/DESIGN.md, "Goals" and "Funnels").
 */
import { CouchstatsError } from '../errors';
import {
	filterScopes,
	isPattern,
	patternPrefix,
	TooManyPathsError,
	type Filter,
	type FilterScopes
} from '../../stats/filters';
import { wildcardMatcher } from '../../stats/goals';
import type { ViewReader } from './view-reader';

/** The site's viewed paths that `pattern` matches, in key order. */
export async function matchingPaths(
	reader: ViewReader,
	site: string,
	pattern: string
): Promise<string[]> {
	const prefix = patternPrefix(pattern);
	const rows = await reader.read<number>('funnel-entries', {
		startkey: [site, 'page', prefix],
		endkey: [site, 'page', prefix + '\ufff0'],
		group_level: 3
	});
	return rows.map((row) => String(row.key[2])).filter(wildcardMatcher(pattern));
}

/**
 * How a filter is read ({@link filterScopes}): a page pattern lists its paths first.
 * @throws {CouchstatsError} 400 when a pattern matches more than the bound.
 */
export async function readFilterScopes(
	reader: ViewReader,
	site: string,
	filter: Filter
): Promise<FilterScopes> {
	const paths = isPattern(filter) ? await matchingPaths(reader, site, filter.value) : [];
	try {
		return filterScopes(filter, paths);
	} catch (e) {
		if (e instanceof TooManyPathsError) throw new CouchstatsError(400, e.message);
		throw e;
	}
}
