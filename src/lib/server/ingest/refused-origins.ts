/**
 * The page origins whose records the ingest refused because the site does not list
 * their host, per site, over the last day, so that the site's settings can say so. A
 * site whose snippet runs on a host its owner did not list (`localhost` when only
 * `127.0.0.1` is, `www.` missing) otherwise loses those records without a sign anywhere
 * but the visitor's browser (an outside new-user review).
 *
 * Anyone can claim any origin in a request, so the list is what pages said, shown as
 * such, and anyone can add to it: it shows the {@link ORIGINS_SHOWN} origins with the
 * most records refused, so that a handful of forged requests cannot push a site's real
 * misconfiguration, whose records keep coming, off the list (an outside re-check: 5
 * requests did, when the list kept the latest). At most {@link ORIGINS_TRACKED} origins
 * are counted per site, those with fewest records making room. State is per process,
 * like the login throttle's (docs/DESIGN.md §7).
 */

/** How long a refusal is shown. */
const MEMORY_MS = 24 * 3_600_000;
/** Origins shown per site: those with the most records refused. */
export const ORIGINS_SHOWN = 5;
/** Origins counted per site. */
export const ORIGINS_TRACKED = 50;

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
		for (const [key, seen] of origins) if (now - seen.last >= MEMORY_MS) origins.delete(key);
		const kept = origins.get(origin)?.records ?? 0;
		origins.set(origin, { origin, records: kept + records, last: now });
		if (origins.size > ORIGINS_TRACKED)
			origins.delete(mostShown([...origins.values()]).at(-1)!.origin);
	}

	/** The origins refused for `site` in the day before `now`, the most records first. */
	list(site: string, now: number): RefusedOrigin[] {
		const origins = [...(this.#sites.get(site)?.values() ?? [])];
		return mostShown(origins.filter((o) => now - o.last < MEMORY_MS)).slice(0, ORIGINS_SHOWN);
	}
}

/** Origins by records refused, most first, then by their last refusal, latest first. */
function mostShown(origins: RefusedOrigin[]): RefusedOrigin[] {
	return origins.sort((a, b) => b.records - a.records || b.last - a.last);
}

/** The app's refusals. */
export const refusedOrigins = new RefusedOrigins();
