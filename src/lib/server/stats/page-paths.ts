/**
 * The key scopes a read adds up under a filter, for the Stats API's sections and the
 * session list alike, and the site's paths a page pattern (`/docs/*`) matches, for the
 * funnels' wildcard first step and the dashboard's page-pattern filter (wildcard page
 * goals): one `group_level=3` read of `funnel-entries` under the pattern's literal
 * prefix, one row per distinct path ever viewed there (docs/DESIGN.md, "Goals" and
 * "Funnels").
 */
import { CouchstatsError } from '../errors';
import { displayPath } from '../../records';
import {
	filterKey,
	filterScopes,
	isPattern,
	patternPrefix,
	TooManyPathsError,
	type Filter,
	type FilterScopes
} from '../../stats/filters';
import { wildcardMatcher } from '../../stats/goals';
import { WHOLE_SITE, type SumsScope } from '../../stats/metrics';
import type { ViewReader } from './view-reader';

/**
 * Most distinct paths a pattern's read goes through under its literal prefix: a read
 * costs one row per path there, and anyone can send records of new paths (an outside
 * review made a pattern read 5,000 before its answer said it matched too many).
 */
export const MAX_PREFIX_PATHS = 2000;

/**
 * The site's viewed paths that `pattern` matches, in key order.
 * @throws {CouchstatsError} 400 when more than {@link MAX_PREFIX_PATHS} paths were viewed
 *   under its literal prefix.
 */
export async function matchingPaths(
	reader: ViewReader,
	site: string,
	pattern: string
): Promise<string[]> {
	const prefix = patternPrefix(pattern);
	const rows = await reader.read<number>('funnel-entries', {
		startkey: [site, 'page', prefix],
		endkey: [site, 'page', prefix + '\ufff0'],
		group_level: 3,
		limit: MAX_PREFIX_PATHS + 1
	});
	if (rows.length > MAX_PREFIX_PATHS) {
		throw new CouchstatsError(
			400,
			`page ${displayPath(pattern)}: more than ${MAX_PREFIX_PATHS} paths were viewed under ${displayPath(prefix)}; narrow the pattern`
		);
	}
	return rows.map((row) => String(row.key[2])).filter(wildcardMatcher(pattern));
}

/** The key scope of a site's view rows: `site`, or `[site, segment]` under a filter. */
export type Scope = string | [string, string];

/**
 * The key scopes whose rows add up to a read's numbers (src/lib/stats/filters.ts): the
 * site, a filter's scope, or each path's scope of a page pattern (none when it matches
 * nothing), and whether visitors add up across them.
 */
export interface Scopes extends SumsScope {
	scopes: Scope[];
}

/** The one scope of a filter read in one scope (journeys, paths; never a pattern). */
export function scopeOf(site: string, filter?: Filter | null): Scope {
	return filter ? [site, filterKey(filter)] : site;
}

/**
 * How a site's rows are read under a filter ({@link filterScopes}): a page pattern lists
 * its paths first.
 * @throws {CouchstatsError} 400 when a pattern matches more than the bound.
 */
export async function readScopes(
	reader: ViewReader,
	site: string,
	filter?: Filter | null
): Promise<Scopes> {
	if (!filter) return { scopes: [site], ...WHOLE_SITE };
	const paths = isPattern(filter) ? await matchingPaths(reader, site, filter.value) : [];
	let scopes: FilterScopes;
	try {
		scopes = filterScopes(filter, paths);
	} catch (e) {
		if (e instanceof TooManyPathsError) throw new CouchstatsError(400, e.message);
		throw e;
	}
	return {
		scopes: scopes.keys.map((key): Scope => [site, key]),
		visitorsExact: scopes.visitorsExact,
		firingsOnly: scopes.firingsOnly
	};
}
