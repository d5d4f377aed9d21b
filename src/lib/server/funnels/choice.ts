/**
 * Which funnel a read is of, and what it may not ask, for the Funnels API and the funnel
 * page alike (an outside review: the page showed the first funnel for an unknown id and
 * an unfiltered funnel under `source=`, where the API answered 404 and 400).
 */
import type { Funnel } from '../../stats/funnels';
import { FILTER_KINDS } from '../../stats/filters';
import type { SiteRecord } from '../accounts/sites';
import { CouchstatsError } from '../errors';
import { NOT_FILTERS } from '../stats/params';

/**
 * The site's funnel `id`.
 * @throws {CouchstatsError} 404 when the site has none of that id.
 */
export function funnelOf(site: Pick<SiteRecord, 'id' | 'funnels'>, id: string): Funnel {
	const funnel = site.funnels?.find((f) => f.id === id);
	if (!funnel) {
		throw new CouchstatsError(404, `site "${site.id}" has no funnel "${id.slice(0, 40)}"`);
	}
	return funnel;
}

/**
 * Refuses a filter: funnels count every session of the site, and answering unfiltered
 * as if filtered misleads (an outside review).
 * @throws {CouchstatsError} 400 naming the filter given.
 */
export function refuseFilters(params: URLSearchParams): void {
	const filter = [...FILTER_KINDS, ...NOT_FILTERS].find((name) => params.has(name));
	if (filter) {
		throw new CouchstatsError(
			400,
			`funnels count every session of the site: they take no filter (${filter} was given)`
		);
	}
}
