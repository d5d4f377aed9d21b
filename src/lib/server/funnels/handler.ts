/**
 * The Funnels API behind the thin route file (README, "Funnels API"), with the Stats
 * API's access rules (owner session, bearer token, share link: a funnel shows counts
 * only, no session, as the dashboard's other aggregates).
 */
import { exportName, toCsv } from '../../stats/csv';
import { FUNNEL_CSV_COLUMNS, funnelCsvRows, stepLabel } from '../../stats/funnels';
import type { Couch } from '../couch';
import { CouchstatsError } from '../errors';
import type { StatsRequest } from '../stats/authorize';
import { csvPage, errorResponse, NO_STORE } from '../api-response';
import { authorizedSite } from '../stats/handler';
import { API_PARAMS, parseRangeParams } from '../stats/params';
import { readFunnel } from './read-funnel';
import { funnelOf, refuseFilters } from './choice';

/** Options of the handler: injectable for tests. */
export interface FunnelsHandlerOptions {
	couch?: Couch;
	now?: () => number;
	timeoutMs?: number;
	/** Rows of step 1 per request (see read-funnel.ts). */
	batchRows?: number;
}

/**
 * `GET /api/v1/funnels?site=ID`: the site's funnels. With `funnel=ID&from=&to=&tz=`
 * (and `cursor=` for the next batch, `format=json|csv`): one batch of that funnel's
 * report; CSV names the next batch in a `Link` header, and the batch without one holds
 * the final counts.
 */
export async function handleFunnels(
	event: StatsRequest,
	options: FunnelsHandlerOptions = {}
): Promise<Response> {
	try {
		const { db, params, site } = await authorizedSite(event, options, API_PARAMS.funnels);
		const funnels = site.funnels ?? [];
		const id = params.get('funnel');
		if (id === null) {
			const list = funnels.map((f) => ({
				...f,
				steps: f.steps.map((step) => ({ ...step, label: stepLabel(step) }))
			}));
			return Response.json({ site: site.id, funnels: list }, { headers: NO_STORE });
		}
		const funnel = funnelOf(site, id);
		const now = (options.now ?? Date.now)();
		const { range, fromFirstRecord } = parseRangeParams(params, site.timeZone, now);
		refuseFilters(params);
		const format = params.get('format') ?? 'json';
		if (format !== 'json' && format !== 'csv') {
			throw new CouchstatsError(400, `format "${format.slice(0, 20)}" must be json or csv`);
		}
		const report = await readFunnel(
			db,
			{ site: site.id, funnel, range, cursor: params.get('cursor'), fromFirstRecord },
			{ timeoutMs: options.timeoutMs, batchRows: options.batchRows }
		);
		if (format === 'json') return Response.json(report, { headers: NO_STORE });
		return csvPage(
			event.url,
			`${exportName(site.id, `funnel-${funnel.id}`, report.range)}.csv`,
			toCsv(FUNNEL_CSV_COLUMNS, funnelCsvRows(report.steps)),
			report.next
		);
	} catch (e) {
		return errorResponse(e);
	}
}
