/**
 * One run of the app's scheduled retention (retention-schedule.ts runs it at start-up and
 * then daily): for every site that keeps its records for a period (its own or the
 * install's, retention-period.ts), deletes those older than that period, through
 * retention's {@link deleteRecords} (the one way records leave the events database), in
 * chunks, found by the view `site-time` of `_design/retention` (key `[site, ts]`, bots
 * included), so a site's run reads its own old records only, whatever other sites keep.
 * Then it asks for the events database's compaction, as an erasure does.
 *
 * Only one run at a time, across every process of the install (two apps on one Apache
 * CouchDB included): a run first takes the lease in the sites database's document
 * `retention` (CouchDB refuses all but one of concurrent saves of one revision), renews
 * it while it deletes, and gives it back with what it did (`last`, which the settings
 * page shows). A run cut short (the process stopped) leaves a lease that lapses after
 * {@link LEASE_MS}; the next run deletes what is left, since a deletion resumes anywhere.
 * A run told the lease is held learns until when, so that its schedule tries again as it
 * lapses (retention-schedule.ts), not a day later.
 * Everything goes through nano: Apache CouchDB 3.x runs it alike.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentScope } from 'nano';
import { ignoreStatus, type Couch } from '../couch';
import { CouchstatsError } from '../errors';
import type { SiteRecord } from '../accounts/sites';
import { inBackground, type Settle } from '../stats/still-indexing';
import {
	deleteRecords,
	RETENTION_CHUNK,
	RETENTION_DESIGN,
	RETENTION_VIEW,
	siteRecordsBefore
} from './retention';
import {
	periodCutoff,
	periodWords,
	retentionPeriod,
	type RetentionSetting
} from './retention-period';

/** The sites database's document of the runs: the lease, and what the last run did. */
export const RETENTION_STATE_ID = 'retention';

/**
 * How long a lease lasts unless renewed, ms: a run renews it after each chunk (500
 * deletions take seconds), so another process takes over a run only once its process
 * has stopped for this long.
 */
export const LEASE_MS = 10 * 60_000;

/** What a run did: when, and how many records of each site it deleted. */
export interface RetentionRun {
	/** When it started, ms. */
	at: number;
	/** When it ended, ms. */
	endedAt: number;
	/** Records deleted, in all. */
	deleted: number;
	/** By site id: the period it applied (days) and the records it deleted. */
	sites: Record<string, { days: number; deleted: number }>;
	/** Why it stopped early, when it did (a message, never a secret). */
	error?: string;
}

/** The document {@link RETENTION_STATE_ID}. */
export interface RetentionState {
	_id: string;
	_rev?: string;
	type: 'retention';
	/** The run under way: a token of its process, and until when its lease holds. */
	running?: { by: string; until: number };
	last?: RetentionRun;
}

/** What {@link runRetention} did. */
export type RetentionOutcome =
	/** No site keeps its records for a period: nothing was read or written. */
	| { kind: 'none' }
	/** Another process's run holds the lease, until `until` (ms) unless renewed. */
	| { kind: 'busy'; until: number }
	| { kind: 'done'; run: RetentionRun };

/** Options of {@link runRetention}. */
export interface RetentionOptions {
	/** The install's period (`COUCHSTATS_RETENTION`), the longest any site keeps records. */
	install: RetentionSetting | undefined;
	/** Clock in ms; default `Date.now`. */
	now?: () => number;
	/** How view reads wait for the index; default {@link inBackground}. */
	settle?: Settle;
	/** Records deleted per request; default {@link RETENTION_CHUNK}. */
	chunk?: number;
	/** Asked for when the run deleted anything (import/compaction.ts). */
	compact?: () => void;
}

/**
 * Runs retention once for every site that keeps its records for a period.
 * @returns what it did ({@link RetentionOutcome}); a run that stopped early is `done`
 *   with its `error`, its lease given back.
 * @throws {Error} when the sites cannot be read or the lease cannot be taken (the store
 *   failed); nothing was deleted then.
 */
export async function runRetention(
	couch: Couch,
	{
		install,
		now = Date.now,
		settle = inBackground(),
		chunk = RETENTION_CHUNK,
		compact = () => undefined
	}: RetentionOptions
): Promise<RetentionOutcome> {
	const plans = (await readSites(couch)).flatMap((site) => {
		const days = retentionPeriod(site, install);
		return days === undefined ? [] : [{ id: site.id, days }];
	});
	if (!plans.length) return { kind: 'none' };
	// Brings the index up to date before the lease is taken: after an upgrade its first
	// build reads every record, for longer than a lease.
	await settle(() => couch.events.view(RETENTION_DESIGN, RETENTION_VIEW, { limit: 0 }));
	const lease = new Lease(couch, now);
	const held = await lease.take();
	if (held !== undefined) return { kind: 'busy', until: held };
	const run: RetentionRun = { at: now(), endedAt: 0, deleted: 0, sites: {} };
	try {
		for (const { id, days } of plans) {
			const entry = (run.sites[id] = { days, deleted: 0 });
			await deleteRecords(couch, siteRecordsBefore(id, periodCutoff(days, run.at)), {
				chunk,
				settle,
				onDeleted: async (ids) => {
					entry.deleted += ids.length;
					run.deleted += ids.length;
					await lease.renew();
				}
			});
		}
	} catch (e) {
		run.error = e instanceof Error ? e.message : String(e);
	} finally {
		run.endedAt = now();
		if (run.deleted) compact();
		await lease.giveBack(run);
	}
	return { kind: 'done', run };
}

/** The sites that may keep records for a period: every site not being deleted. */
async function readSites(couch: Couch): Promise<SiteRecord[]> {
	const { rows } = await couch.sites.list({
		include_docs: true,
		startkey: 'site:',
		endkey: 'site:\ufff0'
	});
	return rows
		.map((row) => row.doc as SiteRecord | undefined)
		.filter((site): site is SiteRecord => site?.type === 'site' && !site.deleting);
}

/** The run's lease on {@link RETENTION_STATE_ID}. */
class Lease {
	readonly #db: DocumentScope<RetentionState>;
	readonly #now: () => number;
	readonly #by = randomUUID();
	#state: RetentionState | undefined;

	constructor(couch: Couch, now: () => number) {
		this.#db = couch.server.use<RetentionState>(couch.names.sites);
		this.#now = now;
	}

	/**
	 * Takes the lease.
	 * @returns undefined when taken; else until when another run holds it (ms), as read
	 *   (a save that lost to another's is told as held for a whole lease from now).
	 */
	async take(): Promise<number | undefined> {
		const state = await ignoreStatus(this.#db.get(RETENTION_STATE_ID), 404);
		if (state?.running && state.running.until > this.#now()) return state.running.until;
		const until = this.#now() + LEASE_MS;
		const taken = await this.#save({
			...(state ?? { _id: RETENTION_STATE_ID, type: 'retention' }),
			running: { by: this.#by, until }
		});
		return taken ? undefined : until;
	}

	/**
	 * Renews the lease once half of it has passed.
	 * @throws {CouchstatsError} when another process took it meanwhile (this one stalled
	 *   past {@link LEASE_MS}): the run stops, leaving the rest to that one.
	 */
	async renew(): Promise<void> {
		const state = this.#state!;
		if (state.running!.until - this.#now() > LEASE_MS / 2) return;
		const next = { ...state, running: { by: this.#by, until: this.#now() + LEASE_MS } };
		if (!(await this.#save(next))) {
			throw new CouchstatsError(409, 'another process took the retention run over');
		}
	}

	/** Gives the lease back with what the run did (best effort: a lapsed lease frees it too). */
	async giveBack(run: RetentionRun): Promise<void> {
		const next: RetentionState = { ...this.#state!, last: run };
		delete next.running;
		await this.#save(next).catch(() => undefined);
	}

	/** Saves on the revision read; false when another save came first. */
	async #save(next: RetentionState): Promise<boolean> {
		try {
			const { rev } = await this.#db.insert(next);
			this.#state = { ...next, _rev: rev };
			return true;
		} catch (e) {
			if ((e as { statusCode?: number }).statusCode === 409) return false;
			throw e;
		}
	}
}

/**
 * The log line of a run (site ids and counts, nothing else): `retention: deleted 1200
 * records (acme, older than 400 days: 1200; blog, older than 30 days: 0)`.
 */
export function retentionLine(outcome: RetentionOutcome): string | undefined {
	if (outcome.kind === 'none') return undefined;
	if (outcome.kind === 'busy') {
		const at = new Date(outcome.until).toISOString();
		return `retention: another process is running it; this run skipped, the next at ${at} unless its lease is renewed`;
	}
	const { run } = outcome;
	const sites = Object.entries(run.sites)
		.map(([id, s]) => `${id}, older than ${periodWords(s.days)}: ${s.deleted}`)
		.join('; ');
	const stopped = run.error ? `; stopped early: ${run.error}` : '';
	return `retention: deleted ${run.deleted} record${run.deleted === 1 ? '' : 's'} (${sites})${stopped}`;
}

/** What the last run did, for the settings page; undefined before any. */
export async function lastRetentionRun(couch: Couch): Promise<RetentionRun | undefined> {
	const state = await ignoreStatus(
		couch.server.use<RetentionState>(couch.names.sites).get(RETENTION_STATE_ID),
		404
	);
	return state?.last;
}
