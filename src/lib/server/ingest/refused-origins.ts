/**
 * The page origins whose records the ingest refused because the site does not list
 * their host, per site, over the last day, so that the site's settings can say so. A
 * site whose snippet runs on a host its owner did not list (`localhost` when only
 * `127.0.0.1` is, `www.` missing) otherwise loses those records without a sign anywhere
 * but the visitor's browser (an outside new-user review).
 *
 * Anyone can claim any origin in a request, so the list is what pages said, shown as
 * such; at most {@link ORIGINS_KEPT} origins a site, the latest. State is per process,
 * like the login throttle's (docs/DESIGN.md §7).
 */

/** How long a refusal is shown. */
const MEMORY_MS = 24 * 3_600_000;
/** Origins kept per site: the ones refused last. */
export const ORIGINS_KEPT = 5;

/** Records refused from one origin. */
export interface RefusedOrigin {
	origin: string;
	/** Records refused in the last day. */
	records: number;
	/** When the last was refused, ms. */
	last: number;
}

/** Refusals by site; the app uses {@link refusedOrigins}. */
export class RefusedOrigins {
	readonly #sites = new Map<string, Map<string, RefusedOrigin>>();

	/** Notes that `records` records of `site` from a page of `origin` were refused at `now`. */
	note(site: string, origin: string, records: number, now: number): void {
		const origins = this.#sites.get(site) ?? new Map<string, RefusedOrigin>();
		this.#sites.set(site, origins);
		const seen = origins.get(origin);
		const kept = seen && now - seen.last < MEMORY_MS ? seen.records : 0;
		// Re-inserted, so the map's order is the order of last refusal.
		origins.delete(origin);
		origins.set(origin, { origin, records: kept + records, last: now });
		for (const oldest of origins.keys()) {
			if (origins.size <= ORIGINS_KEPT) break;
			origins.delete(oldest);
		}
	}

	/** The origins refused for `site` in the day before `now`, the latest first. */
	list(site: string, now: number): RefusedOrigin[] {
		const origins = [...(this.#sites.get(site)?.values() ?? [])];
		return origins.filter((o) => now - o.last < MEMORY_MS).reverse();
	}
}

/** The app's refusals. */
export const refusedOrigins = new RefusedOrigins();
