/**
 * What the benchmarks share: their `--name value` options, copies of a seeded store with
 * this checkout's design documents, the stores' admin password, and the calls of the Sessions and Funnels API
 * handlers (bench-stats.ts, bench-reads.ts) with the synthetic traffic's clock and funnel.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { siteDocId } from '../src/lib/server/accounts/sites';
import { startEmbeddedCouch } from '../src/lib/server/embedded/server';
import { STORE_DIRS } from '../src/lib/server/embedded/owner-only';
import { createCouch, type Couch } from '../src/lib/server/couch';
import { ensureSetup } from '../src/lib/server/boot/setup';
import { startStoreProcess } from '../src/lib/server/embedded/store-process';
import { handleFunnels } from '../src/lib/server/funnels/handler';
import { handleSessionList, handleSessionTimeline } from '../src/lib/server/sessions/handler';
import type { Funnel, FunnelResponse } from '../src/lib/stats/funnels';

/** The value of `--name` in a benchmark's arguments, or `fallback` when it has none. */
export function benchOption(args: readonly string[], name: string, fallback: string): string {
	const at = args.indexOf(`--${name}`);
	return at >= 0 ? args[at + 1] : fallback;
}

/** "Now" for the synthetic traffic, which spans October 2026. */
export const NOW = Date.UTC(2026, 9, 31, 12);

/**
 * Starts the embedded store, view engine on, on a copy of a store `bench:catchup seed`
 * wrote, without its view index: the engine indexes everything from the start. The
 * caller closes the store and removes `copy`.
 */
export async function startOnCopy(dir: string) {
	const copy = await copySeed(dir);
	return { copy, store: await startEmbeddedCouch({ dataDir: copy }) };
}

/**
 * A copy of a store `bench:catchup seed` wrote, in a new temporary directory, with the
 * design documents of this checkout and without a view index. The seed holds the design
 * documents of the checkout that wrote it; a store started on it would begin indexing
 * those at once, and then build this checkout's beside them (views/README.md, "Design
 * documents"), so the copy's are brought up to date on a store started once for that, in
 * a process of its own (starting and closing the store in one process eight times
 * crashed it: express-pouchdb's replicator read a closed database).
 */
export async function copySeed(dir: string): Promise<string> {
	const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-copy-'));
	fs.cpSync(dir, copy, { recursive: true });
	const store = await startStoreProcess({ dataDir: copy, viewEngine: true });
	try {
		await ensureSetup(createCouch(store.url, 'bench'), {
			adminPassword: BENCH_PASSWORD,
			inPlace: true
		});
	} finally {
		await store.close();
	}
	fs.rmSync(path.join(copy, STORE_DIRS.views), { recursive: true, force: true });
	return copy;
}

/** The store admin's password in the benches' stores. */
export const BENCH_PASSWORD = 'bench-password-123';

/** A funnel over the synthetic traffic: the home page, any other page, then a signup. */
export const FUNNEL: Funnel = {
	id: 'bench',
	name: 'bench',
	steps: [
		{ kind: 'page', path: '/' },
		{ kind: 'page', path: '/page-*' },
		{ kind: 'event', name: 'signup' }
	]
};

/** The bench site's record: UTC, the bench funnel, one API token. */
export function benchSite(token: unknown) {
	return {
		_id: siteDocId('bench'),
		type: 'site' as const,
		id: 'bench',
		name: 'bench',
		hostnames: ['bench.example'],
		timeZone: 'UTC',
		owners: [],
		tokens: [token],
		createdAt: 0,
		funnels: [FUNNEL]
	};
}

/** Calls the Sessions API (`sessions?…` or `sessions/SID?…`) and times it. */
export async function sessionsCall(couch: Couch, secret: string, path: string) {
	const url = new URL(`http://bench/api/v1/${path}&site=bench`);
	const request = new Request(url, { headers: { authorization: `Bearer ${secret}` } });
	const event = { url, request, locals: { user: null } };
	const options = { couch, timeoutMs: 3_600_000, now: () => NOW };
	const sid = path.match(/^sessions\/([^?]+)/)?.[1];
	const started = performance.now();
	const res = sid
		? await handleSessionTimeline(event, sid, options)
		: await handleSessionList(event, options);
	const ms = performance.now() - started;
	if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
	return { ms, body: (await res.json()) as unknown };
}

/** Reads the bench funnel for a range through the Funnels API, every batch to the end. */
export async function funnelCall(couch: Couch, secret: string, query: string) {
	const started = performance.now();
	let batches = 0;
	let cursor: string | null = null;
	let last: FunnelResponse;
	do {
		const url = new URL(`http://bench/api/v1/funnels?site=bench&funnel=bench&${query}`);
		if (cursor) url.searchParams.set('cursor', cursor);
		const request = new Request(url, { headers: { authorization: `Bearer ${secret}` } });
		const res = await handleFunnels(
			{ url, request, locals: { user: null } },
			{ couch, timeoutMs: 3_600_000, now: () => NOW }
		);
		if (res.status !== 200) throw new Error(`funnels answered ${res.status}: ${await res.text()}`);
		last = (await res.json()) as FunnelResponse;
		cursor = last.next;
		batches++;
	} while (cursor);
	return { ms: performance.now() - started, batches, last };
}

/** N records over N / 10,000 × 30 days that end where the default 30 days end (2026-10-31). */
export function historyOf(n: number) {
	const days = Math.max(30, Math.round((30 * n) / 10_000));
	return { n, days, start: Date.UTC(2026, 9, 31) - days * 86_400_000 };
}
