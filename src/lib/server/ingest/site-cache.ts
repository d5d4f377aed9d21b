/**
 * The registered sites as the ingest sees them: ids, allowed hostnames and time zones,
 * read from the sites database and cached briefly, so a busy endpoint reads the
 * database once per TTL rather than once per request, and a newly added site or
 * hostname is honoured within seconds. The process keeps one such cache
 * ({@link startSiteCache}), shared by the ingest, the visitor endpoint and the demo
 * pages (which read the demo site's time zone from it).
 */
import type { DocumentScope } from 'nano';
import { couch } from '../couch';
import { CouchstatsError, StoreTimeout } from '../errors';
import { originAllowed, type SiteRecord } from '../accounts/sites';
import { forNoClient } from '../store-dispatch';

/** Origins whose answer a site list keeps (a new list, every TTL, starts afresh). */
const ORIGINS_KEPT = 1000;

/** What the ingest and the demo pages need to know about a site. */
export type IngestSite = Pick<SiteRecord, 'id' | 'hostnames' | 'timeZone' | 'excludedAddresses'>;

/** A snapshot of the registered sites. */
export class SiteList {
	readonly #byId: Map<string, IngestSite>;

	constructor(sites: IngestSite[]) {
		this.#byId = new Map(sites.map((site) => [site.id, site]));
	}

	/** The site with this id, if registered. */
	get(id: string): IngestSite | undefined {
		return this.#byId.get(id);
	}

	/** Origins asked about, and the answer (at most {@link ORIGINS_KEPT}). */
	readonly #origins = new Map<string, boolean>();

	/**
	 * Whether some registered site allows this origin (for CORS): every site's host names
	 * are walked once per origin, not once per request (an outside probe: with 1,000
	 * sites of 50 host names, 18 ms of CPU per request).
	 */
	allowsOrigin(origin: string): boolean {
		let allowed = this.#origins.get(origin);
		if (allowed === undefined) {
			allowed = [...this.#byId.values()].some((site) => originAllowed(site, origin));
			if (this.#origins.size >= ORIGINS_KEPT) this.#origins.clear();
			this.#origins.set(origin, allowed);
		}
		return allowed;
	}
}

/** Reads the site list through a cache that expires after `ttlMs`. */
export class SiteCache {
	#current: { list: SiteList; at: number } | undefined;
	#loading: Promise<SiteList> | undefined;
	/** Counts invalidations, so a read begun before one is not kept after it. */
	#generation = 0;

	/**
	 * @param sitesDb The sites database.
	 * @param ttlMs How long a read stays fresh; 0 reads on every call.
	 * @param now Clock in ms; default `Date.now`.
	 */
	constructor(
		private readonly sitesDb: () => DocumentScope<SiteRecord>,
		private readonly ttlMs: number,
		private readonly now: () => number = Date.now
	) {}

	/**
	 * The current site list; concurrent callers share one read.
	 * @throws {CouchstatsError} 503 when the sites database cannot be read.
	 */
	async sites(): Promise<SiteList> {
		const current = this.#current;
		if (current && this.now() - current.at < this.ttlMs) return current.list;
		if (!this.#loading) {
			// Its callers share it: no one client's leaving ends it (store-dispatch.ts).
			const loading = forNoClient(() => this.#load()).finally(() => {
				if (this.#loading === loading) this.#loading = undefined;
			});
			this.#loading = loading;
		}
		return this.#loading;
	}

	/**
	 * Forgets the cached list, so the next call reads the sites database: a change made
	 * in this process (a site marked for deletion) holds at once, not after the TTL.
	 * A read already under way answers its callers but is not kept.
	 */
	invalidate(): void {
		this.#current = undefined;
		this.#loading = undefined;
		this.#generation++;
	}

	async #load(): Promise<SiteList> {
		const at = this.now();
		const generation = this.#generation;
		let rows;
		try {
			rows = (await this.sitesDb().list({ include_docs: true })).rows;
		} catch (e) {
			// The store did not answer in time (store-limit.ts): its 503 says so.
			if (e instanceof StoreTimeout) throw e;
			throw new CouchstatsError(503, 'the sites database is not reachable; retry later');
		}
		const sites: IngestSite[] = [];
		for (const { doc } of rows) {
			// A site being deleted (site-delete.ts) takes no more records.
			if (doc?.type !== 'site' || typeof doc.id !== 'string' || doc.deleting) continue;
			const hostnames = Array.isArray(doc.hostnames) ? doc.hostnames : [];
			const excludedAddresses = Array.isArray(doc.excludedAddresses)
				? doc.excludedAddresses
				: undefined;
			sites.push({ id: doc.id, hostnames, timeZone: doc.timeZone, excludedAddresses });
		}
		const list = new SiteList(sites);
		if (generation === this.#generation) this.#current = { list, at };
		return list;
	}
}

let app: SiteCache | undefined;

/**
 * Creates the process's site cache on the app's CouchDB client (a second call, as each
 * endpoint's start and Vite's dev server may make, keeps the first).
 * @param ttlMs How long a read stays fresh (the ingest's `sitesTtlMs`).
 */
export function startSiteCache(ttlMs: number): SiteCache {
	app ??= new SiteCache(() => couch().sites, ttlMs);
	return app;
}

/**
 * The process's site cache.
 * @throws {Error} before start-up created it ({@link startSiteCache}).
 */
export function siteCache(): SiteCache {
	if (!app) throw new Error('the site cache is not started: hooks.server.ts init starts it');
	return app;
}

/**
 * Makes the process's site cache, if started, read the sites database on its next use
 * (after a site write that must hold at once, such as marking a site for deletion).
 */
export function invalidateSiteCache(): void {
	app?.invalidate();
}
