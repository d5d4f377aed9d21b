/**
 * The pages whose records the ingest refused because the site does not list their host,
 * per site, over the last day, so that the site's settings can say so: by the request's
 * origin (`https://staging.example.com`) when that was refused, else by the record's
 * host (`staging.example.com`: a request without an origin, or a page whose record names
 * a host the site does not list). A
 * site whose snippet runs on a host its owner did not list (`localhost` when only
 * `127.0.0.1` is, `www.` missing) otherwise loses those records without a sign anywhere
 * but the visitor's browser (an outside new-user review).
 *
 * Anyone can claim any origin in a request, so the list is what pages said, shown as
 * such, and anyone can add to it: it shows the {@link ORIGINS_SHOWN} origins refused to
 * the most client addresses, then with the most records, so that forged requests cannot
 * push a site's real misconfiguration, whose visitors keep coming, off the list (an
 * outside re-check: 5 requests did when the list kept the latest origins, and 5 requests
 * of well-formed records from one address did when it ranked them by records alone).
 * Addresses are kept in memory only, as the rate limits keep them. At most {@link
 * ORIGINS_TRACKED} origins are counted per site, the lowest ranked making room. Records
 * are counted by id: a page keeps sending what was refused (its outbox retries), and the
 * owner wants to know how many records were lost, not how often they came (an outside
 * re-check: 9 records from three pages showed as 51). State is per process, like the
 * login throttle's (docs/DESIGN.md §7).
 */

import { hostRefusal, originAllowed, type SiteInput } from '../accounts/sites';

/** How long a refusal is shown. */
const MEMORY_MS = 24 * 3_600_000;
/** Origins shown per site: those with the most records refused. */
export const ORIGINS_SHOWN = 5;
/** Origins counted per site. */
export const ORIGINS_TRACKED = 50;

/** Ids remembered per origin to count each record once; past them records count as they come. */
export const IDS_KEPT = 1000;

/** Client addresses remembered per origin; past them an origin ranks as having this many. */
export const ADDRESSES_KEPT = 100;

/** Records refused from one page origin or host. */
export interface RefusedOrigin {
	/** The origin (`https://…`) or, for a refusal of the record's host, the host. */
	origin: string;
	/** Distinct records refused in the last day. */
	records: number;
	/** When the last was refused, ms. */
	last: number;
}

/** Refusals by site; the app uses {@link refusedOrigins}. */
export class RefusedOrigins {
	readonly #sites = new Map<string, Map<string, Counted>>();

	/**
	 * Notes that the records `ids` of `site` from a page of `origin`, sent from the client
	 * address `client`, were refused at `now`.
	 */
	note(site: string, origin: string, ids: readonly string[], now: number, client: string): void {
		const origins = this.#sites.get(site) ?? new Map<string, Counted>();
		this.#sites.set(site, origins);
		for (const [key, seen] of origins) if (now - seen.last >= MEMORY_MS) origins.delete(key);
		const seen = origins.get(origin) ?? {
			origin,
			records: 0,
			last: now,
			ids: new Set<string>(),
			clients: new Set<string>()
		};
		for (const id of ids) {
			if (seen.ids.has(id)) continue;
			seen.records++;
			if (seen.ids.size < IDS_KEPT) seen.ids.add(id);
		}
		if (seen.clients.size < ADDRESSES_KEPT) seen.clients.add(client);
		seen.last = now;
		origins.set(origin, seen);
		if (origins.size > ORIGINS_TRACKED)
			origins.delete(mostShown([...origins.values()]).at(-1)!.origin);
	}

	/**
	 * Forgets what was refused for `site`: a site created under the id of a deleted one is
	 * another site, whose settings must not list the old one's refusals (an outside probe
	 * saw them there).
	 */
	forget(site: string): void {
		this.#sites.delete(site);
	}

	/** The origins refused for `site` in the day before `now`, the most records first. */
	list(site: string, now: number): RefusedOrigin[] {
		const origins = [...(this.#sites.get(site)?.values() ?? [])];
		return mostShown(origins.filter((o) => now - o.last < MEMORY_MS))
			.slice(0, ORIGINS_SHOWN)
			.map(({ origin, records, last }) => ({ origin, records, last }));
	}
}

/** An origin as counted: the records' ids and the client addresses seen. */
interface Counted extends RefusedOrigin {
	ids: Set<string>;
	clients: Set<string>;
}

/**
 * Origins by the client addresses they were refused to, most first, then by records
 * refused, then by their last refusal, latest first.
 */
function mostShown(origins: Counted[]): Counted[] {
	return origins.sort(
		(a, b) => b.clients.size - a.clients.size || b.records - a.records || b.last - a.last
	);
}

/**
 * Whether `site` still refuses the pages of `refused` (an origin or a host, as noted):
 * a site that lists them now takes their records (an outside re-check saw a host still
 * listed as refused after it was added and its records had arrived).
 */
export function stillRefused(
	site: Pick<SiteInput, 'id' | 'hostnames'>,
	refused: RefusedOrigin
): boolean {
	return refused.origin.includes('://')
		? !originAllowed(site, refused.origin)
		: hostRefusal(site, refused.origin) !== undefined;
}

/** The app's refusals. */
export const refusedOrigins = new RefusedOrigins();
