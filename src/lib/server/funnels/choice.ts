/**
 * Which funnel a read is of, and what it may not ask, for the Funnels API and the funnel
 * page alike (an outside review: the page showed the first funnel for an unknown id and
 * an unfiltered funnel under `source=`, where the API answered 404 and 400).
 */
import { stepLabel, type Funnel, type FunnelChoice } from '../../stats/funnels';
import { FILTER_KINDS } from '../../stats/filters';
import type { SiteRecord } from '../accounts/sites';
import { CouchstatsError } from '../errors';
import { FUNNEL_LIST_PARAMS, NOT_FILTERS, refuseRepeated } from '../stats/params';

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

/**
 * The funnel step whose sessions a session list is asked for (`funnel=FID&step=N`, with
 * `dropped=1` those that dropped off after it), or null when none is.
 * @param shared Whether a share link asks: it shows a funnel's counts only, never its
 *   sessions (README, "Funnels API").
 * @throws {CouchstatsError} 403 for a share link; 404 for a funnel the site does not have;
 *   400 for `step` or `dropped` without `funnel`, a step the funnel does not have,
 *   `dropped` other than `1` or after the last step, or a filter beside it.
 */
export function parseFunnelChoice(
	params: URLSearchParams,
	site: Pick<SiteRecord, 'id' | 'funnels'>,
	shared: boolean
): { funnel: Funnel; choice: FunnelChoice } | null {
	// `step` repeats in the Paths API, so the common check leaves it to each reader.
	refuseRepeated(params, FUNNEL_LIST_PARAMS);
	const id = params.get('funnel');
	if (id === null) {
		const stray = FUNNEL_LIST_PARAMS.find((name) => params.has(name));
		if (stray) throw new CouchstatsError(400, `${stray}= goes with funnel=, which is missing`);
		return null;
	}
	if (shared) {
		throw new CouchstatsError(403, 'a share link shows a funnel’s counts only, never its sessions');
	}
	const funnel = funnelOf(site, id);
	refuseFilters(params);
	const last = funnel.steps.length;
	const text = params.get('step');
	const step = text !== null && /^[1-9][0-9]?$/.test(text) ? Number(text) : 0;
	if (step < 1 || step > last) {
		throw new CouchstatsError(
			400,
			`step must be a step of funnel "${funnel.name}": a number from 1 to ${last}`
		);
	}
	const dropped = params.get('dropped');
	if (dropped !== null && dropped !== '1') {
		throw new CouchstatsError(400, 'dropped must be 1 (the sessions that went no further)');
	}
	if (dropped && step === last) {
		throw new CouchstatsError(
			400,
			`step ${step} is the last of funnel "${funnel.name}": no session drops off after it`
		);
	}
	return {
		funnel,
		choice: {
			id: funnel.id,
			name: funnel.name,
			step,
			dropped: dropped === '1',
			label: stepLabel(funnel.steps[step - 1])
		}
	};
}
