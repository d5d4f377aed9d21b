/**
 * When the app runs retention (retention-run.ts): once as it starts, then a day after
 * each run ended, one run at a time (the next is timed only once the previous ended;
 * across processes, the run's lease). A run skipped because another process holds the
 * lease is tried again as that lease lapses (a restart within a crashed run's lease, or a
 * second app on the store), not a day later. Each run logs one line with its counts
 * ({@link retentionLine}); a run that fails logs why and the schedule goes on. Started
 * once per process by `hooks.server.ts` `init` ({@link startRetention}), which gives it
 * the install's period (`COUCHSTATS_RETENTION`).
 */
import { couch, type Couch } from '../couch';
import { logError, logNotice } from '../log';
import { eventsCompaction, type Later } from './compaction';
import type { SiteRecord } from '../accounts/sites';
import { retentionPeriod, type RetentionSetting } from './retention-period';
import {
	lastRetentionRun,
	retentionLine,
	runRetention,
	type RetentionOptions
} from './retention-run';

/** Time from the end of one run to the start of the next, ms: a day. */
export const RETENTION_EVERY_MS = 86_400_000;

const timeout: Later = (run, ms) => setTimeout(run, ms).unref();

/** A running schedule. */
export interface RetentionSchedule {
	/** Settles once the run under way, if any, has ended. */
	idle(): Promise<void>;
	/** Runs no more (the run under way ends as it would). */
	stop(): void;
}

/**
 * Runs `run` at once, then {@link RETENTION_EVERY_MS} after each run ended, or sooner
 * when a run says when the next is due.
 * @param run One run; it may answer when the next is due (ms since the epoch; it is not
 *   put off past `every`). Its failure is the caller's to report (it is caught here only
 *   so the schedule goes on).
 * @param options.every Time from a run's end to the next, ms.
 * @param options.later How the next run is put off; default an unref'd timer (it keeps
 *   no process alive).
 * @param options.now Clock in ms; default `Date.now`.
 */
export function scheduleRetention(
	run: () => Promise<number | void>,
	{
		every = RETENTION_EVERY_MS,
		later = timeout,
		now = Date.now
	}: { every?: number; later?: Later; now?: () => number } = {}
): RetentionSchedule {
	let stopped = false;
	let current: Promise<void> | undefined;
	function start() {
		if (stopped) return;
		current = run()
			.catch(() => undefined)
			.then((due) => {
				current = undefined;
				later(start, due === undefined ? every : Math.min(every, Math.max(0, due - now())));
			});
	}
	start();
	return {
		idle: () => current ?? Promise.resolve(),
		stop() {
			stopped = true;
		}
	};
}

let install: RetentionSetting | undefined;
let schedule: RetentionSchedule | undefined;

/**
 * Starts the app's retention schedule (once per process: a second call, as Vite's dev
 * server may make, keeps the first).
 * @param period The install's period, `COUCHSTATS_RETENTION`; undefined: none (sites may
 *   still set their own).
 */
export function startRetention(period: RetentionSetting | undefined): void {
	if (schedule) return;
	install = period;
	const compaction = eventsCompaction(couch);
	schedule = scheduleRetention(() =>
		retentionTurn(couch(), { install, compact: compaction.request })
	);
}

/**
 * One run of the schedule: {@link runRetention}, its line logged (or why it failed).
 * @returns when the next run is due, when sooner than a day: as the lease of another
 *   process's run lapses, when it held it (its process may have stopped: a restart
 *   within a crashed run's lease); undefined otherwise.
 */
export async function retentionTurn(
	couch: Couch,
	options: RetentionOptions
): Promise<number | undefined> {
	try {
		const outcome = await runRetention(couch, options);
		const line = retentionLine(outcome);
		if (line) logNotice(line);
		return outcome.kind === 'busy' ? outcome.until : undefined;
	} catch (e) {
		logError('retention run', e);
		return undefined;
	}
}

/** The install's period (`COUCHSTATS_RETENTION`) as start-up gave it; undefined: none. */
export function installRetention(): RetentionSetting | undefined {
	return install;
}

/** What a site's settings page shows of retention. */
export interface SiteRetention {
	/** The install's period (`COUCHSTATS_RETENTION`), as written; undefined: none. */
	install: string | undefined;
	/** The days its records are kept (the shorter of its own and the install's); undefined: until deleted. */
	days: number | undefined;
	/** The last run that applied a period to it: when it ended, and what it deleted of the site. */
	last: { at: number; deleted: number } | undefined;
}

/** A site's retention as its settings page shows it. */
export async function retentionOf(site: SiteRecord): Promise<SiteRetention> {
	const last = await lastRetentionRun(couch());
	const mine = last?.sites[site.id];
	return {
		install: install?.text,
		days: retentionPeriod(site, install),
		last: last && mine ? { at: last.endedAt, deleted: mine.deleted } : undefined
	};
}
