/**
 * The data of the funnel page `/sites/[site]/funnels` for a site the caller may read:
 * the range the query string asks for (the dashboard's presets), the site's funnels and
 * the first batch of the one chosen (`funnel=`, else the first); the page reads the
 * next batches from the Funnels API. The same read as the Funnels API.
 */
import type { Couch } from '../couch';
import { CouchstatsError } from '../errors';
import { isTimeZone, rangeZoneName, type SiteRecord } from '../accounts/sites';
import { checkPageQuery, parseRangeParams } from '../stats/params';
import { funnelOf, refuseFilters } from './choice';
import { rangeQuery, resolveRange } from '../../stats/range';
import type { FunnelPageData } from '../../stats/funnels';
import { readFunnel } from './read-funnel';

/** The funnel page's data. */
export async function readFunnelPage(
	couch: Couch,
	site: Pick<SiteRecord, 'id' | 'name' | 'timeZone' | 'funnels'>,
	params: URLSearchParams,
	now: number
): Promise<FunnelPageData> {
	const choice = resolveRange(params, site.timeZone, now, rangeZoneName);
	const funnels = site.funnels ?? [];
	const base = {
		site: { id: site.id, name: site.name, timeZone: site.timeZone },
		range: { ...choice, tz: isTimeZone(choice.tz) ? choice.tz : site.timeZone },
		funnels: funnels.map(({ id, name }) => ({ id, name }))
	};
	const id = params.get('funnel');
	if (id === null && !funnels.length) return { ...base, report: null };
	try {
		checkPageQuery(params);
		refuseFilters(params);
		const funnel = id === null ? funnels[0] : funnelOf(site, id);
		const query = new URLSearchParams(rangeQuery(choice));
		const { range, fromFirstRecord } = parseRangeParams(query, site.timeZone, now);
		const report = await readFunnel(couch, { site: site.id, funnel, range, fromFirstRecord });
		// All time's dates as read: the page's next batches ask for them.
		return { ...base, range: { ...base.range, ...report.range }, report };
	} catch (e) {
		if (!(e instanceof CouchstatsError)) throw e;
		return { ...base, report: { problem: e.message } };
	}
}
