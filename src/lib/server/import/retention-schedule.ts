/**
 * When the app runs retention (retention-run.ts): once as it starts, then a day after
 * each run ended, one run at a time (the next is timed only once the previous ended;
 * across processes, the run's lease). Each run logs one line with its counts
 * ({@link retentionLine}); a run that fails logs why and the schedule goes on. Started
 * once per process by `hooks.server.ts` `init` ({@link startRetention}), which gives it
 * the install's period (`COUCHSTATS_RETENTION`).
 */
import { couch } from '../couch';
import { logError, logNotice } from '../log';
import { eventsCompaction, type Later } from './compaction';
import type { SiteRecord } from '../accounts/sites';
import { retentionPeriod, type RetentionSetting } from './retention-period';
import { lastRetentionRun, retentionLine, runRetention } from './retention-run';

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
 * Runs `run` at once, then {@link RETENTION_EVERY_MS} after each run ended.
 * @param run One run; its failure is the caller's to report (it is caught here only so
 *   the schedule goes on).
 * @param options.every Time from a run's end to the next, ms.
 * @param options.later How the next run is put off; default an unref'd timer (it keeps
 *   no process alive).
 */
export function scheduleRetention(
	run: () => Promise<void>,
	{ every = RETENTION_EVERY_MS, later = timeout }: { every?: number; later?: Later } = {}
): RetentionSchedule {
	let stopped = false;
	let current: Promise<void> | undefined;
	function start() {
		if (stopped) return;
		current = run()
			.catch(() => undefined)
			.finally(() => {
				current = undefined;
				later(start, every);
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
	schedule = scheduleRetention(async () => {
		try {
			const line = retentionLine(
				await runRetention(couch(), { install, compact: compaction.request })
			);
			if (line) logNotice(line);
		} catch (e) {
			logError('retention run', e);
		}
	});
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
