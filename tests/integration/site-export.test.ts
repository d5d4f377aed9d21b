/**
 * Exporting a site's raw records (`GET /api/v1/records`, src/lib/server/accounts/site-records.ts)
 * and importing them into a fresh site with `npm run import`: the Stats API gives the
 * same numbers for both. The export is read a page at a time as it is consumed, only
 * from the site's own key range, and only for its owners, admins or an API token.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { describe, expect, test, vi } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { accessChanged } from '../../src/lib/server/accounts/access';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import {
	addToken,
	createSite,
	enableShareLink,
	revokeToken
} from '../../src/lib/server/accounts/site-admin';
import { exportSiteRecords } from '../../src/lib/server/accounts/site-records';
import {
	EXPORT_REVOKED,
	EXPORT_UNCHECKED,
	handleRecordsExport
} from '../../src/lib/server/stats/handler';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { syntheticRecords } from '../support/synthetic';
import { firstAccountFor, indexed, numbersOf, storeRecords, tempDir, useCouch } from './harness';
import { storeProxy } from '../support/store-proxy';

const root = path.resolve(import.meta.dirname, '..', '..');
const alice: User = { name: 'alice', roles: [], isAdmin: false };
const bob: User = { name: 'bob', roles: [], isAdmin: false };
const START = Date.UTC(2026, 9, 1);

const site = (id: string) => ({
	id,
	name: `Site ${id}`,
	hostnames: [`${id}.example`],
	timeZone: 'Europe/Paris'
});

/** The Stats API's answer for a site over the whole seeded window, without its site id. */
async function statsOf(couch: Couch, id: string, filter?: string) {
	const { site: _site, ...stats } = numbersOf(
		await readStats(couch, {
			site: id,
			range: { from: '2026-09-30', to: '2026-11-02', tz: 'Europe/Paris' },
			interval: 'day',
			limit: Infinity,
			filter: filter ? { kind: 'page', value: filter } : null
		})
	);
	void _site;
	return stats;
}

function exportRequest(
	query: string,
	init: { user?: User; token?: string; indexWaitMs?: number; idleMs?: number } = {}
) {
	return handleRecordsExport(
		{
			url: new URL(`http://localhost/api/v1/records?${query}`),
			request: new Request('http://localhost/api/v1/records', {
				headers: init.token ? { authorization: `Bearer ${init.token}` } : {}
			}),
			locals: { user: init.user ?? null }
		},
		{ couch: currentCouch, indexWaitMs: init.indexWaitMs, idleMs: init.idleMs }
	);
}

let currentCouch: Couch;

/** A fresh database prefix, which the exports read, with alice's site of `n` records, indexed. */
async function indexedSite(id: string, n: number, seed: number): Promise<Couch> {
	const { couch } = await useCouch();
	currentCouch = couch;
	await createSite(couch, alice, site(id));
	await storeRecords(couch, syntheticRecords({ n, site: id, start: START, seed }));
	await indexed(couch);
	return couch;
}

/**
 * `couch`, the same store, with `before` run ahead of each of its view reads: a read held
 * until a test has done something meanwhile, or failed as a store gone away fails.
 */
function beforeViewReads(couch: Couch, before: () => Promise<void>): Couch {
	const server = new Proxy(couch.server, {
		get(target, key, receiver) {
			if (key !== 'relax') return Reflect.get(target, key, receiver);
			return async (options: Parameters<typeof target.relax>[0]) => {
				const path = typeof options === 'string' ? options : options.path;
				if (path?.includes('/_view/')) await before();
				return target.relax(options);
			};
		}
	});
	return { ...couch, server };
}

function runImport(file: string, args: string[], env: Record<string, string>) {
	const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file, ...args], {
		cwd: root,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let stderr = '';
	child.stderr.on('data', (chunk) => (stderr += chunk));
	return new Promise<{ code: number | null; stderr: string }>((resolve) =>
		child.on('exit', (code) => resolve({ code, stderr }))
	);
}

describe('exporting a site and importing it elsewhere', () => {
	test('export → npm run import into a fresh site → the same Stats API numbers; re-importing adds nothing', async () => {
		const { couch, prefix, url } = await useCouch();
		currentCouch = couch;
		await createSite(couch, alice, site('origin'));
		await createSite(couch, alice, site('other'));
		await createSite(couch, alice, site('copy'));
		const records = syntheticRecords({ n: 1500, site: 'origin', start: START, seed: 7 });
		const others = syntheticRecords({ n: 200, site: 'other', start: START + 1, seed: 8 });
		await couch.events.bulk({ docs: [...records, ...others], new_edits: false });
		await indexed(couch);
		const { secret: token } = await addToken(couch, alice, 'origin', 'export', { records: true });
		const { secret: statsOnly } = await addToken(couch, alice, 'origin', 'report');
		const share = await enableShareLink(couch, alice, 'origin');

		// Who may export: the owner, an API token of the site made for it; nobody else. (An
		// outside review: every token could, and the records' visitor ids erase their data.)
		expect((await exportRequest('site=origin')).status).toBe(401);
		const refused = await exportRequest('site=origin', { token: statsOnly });
		expect(refused.status).toBe(403);
		expect(((await refused.json()) as { message: string }).message).toContain(
			'may read the stats of site "origin" but not download its raw records'
		);
		expect((await exportRequest('site=origin', { user: bob })).status).toBe(403);
		const shared = await exportRequest(`site=origin&share=${share}`);
		expect(shared.status).toBe(403);
		expect(((await shared.json()) as { message: string }).message).toContain(
			"a share link never downloads a site's raw records"
		);
		expect((await exportRequest('site=other', { token })).status).toBe(403);
		// Not every record for a parameter it does not take (an outside probe: since=abc).
		for (const query of ['site=origin&since=abc', 'site=origin&format=xml']) {
			const bad = await exportRequest(query, { token });
			expect(bad.status, query).toBe(400);
			expect(((await bad.json()) as { message: string }).message).toMatch(
				/^"(since|format)" is not a parameter of this API: it takes site, share$/
			);
		}

		// One export of a site at a time (an outside probe: each costs the app a third of a
		// millisecond of CPU a record, with no bound): a second waits for the first to end,
		// read to its end or its client gone; another site's goes on.
		const running = await exportRequest('site=origin', { user: alice });
		expect(running.status).toBe(200);
		const second = await exportRequest('site=origin', { token });
		expect([second.status, second.headers.get('retry-after')]).toEqual([429, '10']);
		expect(((await second.json()) as { message: string }).message).toBe(
			'an export of site "origin" is running: one at a time; retry in 10 s'
		);
		const other = await exportRequest('site=other', { user: alice });
		expect(other.status).toBe(200);
		await running.body!.cancel();
		expect((await other.text()).trimEnd().split('\n')).toHaveLength(200);

		const response = await exportRequest('site=origin', { token });
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
		expect(response.headers.get('content-disposition')).toBe(
			'attachment; filename="origin-records.ndjson"'
		);
		const text = await response.text();
		const lines = text.trimEnd().split('\n');
		expect(lines).toHaveLength(1500);
		const exported = lines.map((line) => JSON.parse(line));
		expect(exported.every((r) => r.site === 'origin' && !('_rev' in r))).toBe(true);
		expect(new Set(exported.map((r) => r._id))).toEqual(new Set(records.map((r) => r._id)));

		const dir = tempDir('couchstats-export-');
		const file = path.join(dir, 'origin.ndjson');
		fs.writeFileSync(file, text);
		const env = {
			COUCHDB_URL: url.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
			COUCHSTATS_DATA_DIR: dir
		};
		const first = await runImport(file, ['--site', 'copy'], env);
		expect(first.code, first.stderr).toBe(0);
		// The records of each type, as the summary counts them.
		const count = (type: string) => records.filter((r) => r.type === type).length;
		const types = `${count('pageview')} pageviews, ${count('event')} events, ${count('heartbeat')} heartbeats, ${count('milestone')} milestones`;
		expect(first.stderr).toContain(
			`1500 lines, 1500 records in all (${types}); this run stored 1500 records (${types}), and found 0 lines stored before`
		);
		await indexed(couch);

		const original = await statsOf(couch, 'origin');
		expect(original.totals.pageviews).toBeGreaterThan(0);
		expect(await statsOf(couch, 'copy')).toEqual(original);
		expect(await statsOf(couch, 'copy', '/')).toEqual(await statsOf(couch, 'origin', '/'));

		// Run again from scratch: the same derived ids, nothing stored twice.
		const again = await runImport(file, ['--site', 'copy', '--restart'], env);
		expect(again.code, again.stderr).toBe(0);
		expect(again.stderr).toContain(
			`1500 lines, 1500 records in all (${types}); this run stored 0 records, and found 1500 lines stored before`
		);
		await indexed(couch);
		expect(await statsOf(couch, 'copy')).toEqual(original);
		currentCouch = couch;
		const copied = await (await exportRequest('site=copy', { user: alice })).text();
		expect(copied.trimEnd().split('\n')).toHaveLength(1500);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	test('an export is read one page at a time as it is consumed, from the site’s own range', async () => {
		const { couch } = await useCouch();
		const docs = syntheticRecords({ n: 250, site: 'paged', start: START, seed: 9 });
		const others = syntheticRecords({ n: 100, site: 'pagef', start: START + 1, seed: 10 });
		await couch.events.bulk({ docs: [...docs, ...others], new_edits: false });
		await indexed(couch);
		let reads = 0;
		const stream = await exportSiteRecords(couch, 'paged', (read) => (reads++, read()), 100);
		expect(reads).toBe(1);
		const reader = stream.getReader();
		const decoder = new TextDecoder();
		const first = await reader.read();
		expect(decoder.decode(first.value).trimEnd().split('\n')).toHaveLength(100);
		// One page in hand, at most the next one read ahead: never the whole site at once.
		expect(reads).toBeLessThanOrEqual(2);
		let lines = 100;
		for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
			lines += decoder.decode(chunk.value).trimEnd().split('\n').length;
		expect(lines).toBe(250);
		expect(reads).toBe(3);
	});

	test("while another site's records are being indexed, an export answers at once: 503 with Retry-After, never a wait of a minute", async () => {
		// An outside check: during an import of another site, a 5-record site's export hung
		// 60 s and then answered 503 without Retry-After.
		const couch = await indexedSite('small', 5, 12);
		await storeRecords(couch, syntheticRecords({ n: 3000, site: 'busy', start: START, seed: 13 }));
		const started = Date.now();
		const waiting = await exportRequest('site=small', { user: alice, indexWaitMs: 1 });
		expect(Date.now() - started).toBeLessThan(30_000);
		expect([waiting.status, waiting.headers.get('retry-after')]).toEqual([503, '60']);
		expect(((await waiting.json()) as { message: string }).message).toBe(
			'couchstats is still indexing its records; retry in 60 s'
		);
		// The refusal freed the site's one export: once indexed, it is read.
		await indexed(couch);
		const text = await (await exportRequest('site=small', { user: alice })).text();
		expect(text.trimEnd().split('\n')).toHaveLength(5);
	});

	test("a client that stops reading an export gives the site's one export back", async () => {
		// A security probe: a client that read nothing more held it for 420 s, its
		// connection open, and the owner's exports got 429 all that time.
		await indexedSite('paused', 700, 14);
		const request = () => exportRequest('site=paused', { user: alice, idleMs: 200 });
		const paused = (await request()).body!.getReader();
		expect((await paused.read()).done).toBe(false);
		await expect.poll(async () => (await request()).status, { timeout: 10_000 }).toBe(200);
		await expect(paused.read()).rejects.toThrow('the client stopped reading the export');
	});

	test('revoking the token an export runs on ends it at once, its reader paused or not; another change of access does not', async () => {
		// An outside probe: a download slowed to 5 KB/s went on 240 s after its token was
		// revoked, and read all 3,125 records with their visitor ids.
		const couch = await indexedSite('revoked', 700, 15);
		const made = await addToken(couch, alice, 'revoked', 'export', { records: true });
		const lines = (chunk: Uint8Array) => new TextDecoder().decode(chunk).trimEnd().split('\n');

		const kept = (await exportRequest('site=revoked', { token: made.secret })).body!.getReader();
		const first = await kept.read();
		expect(lines(first.value!)).toHaveLength(500);
		await addToken(couch, alice, 'revoked', 'another');
		const rest = await kept.read();
		expect(lines(rest.value!)).toHaveLength(200);
		expect((await kept.read()).done).toBe(true);

		const cut = (await exportRequest('site=revoked', { token: made.secret })).body!.getReader();
		expect((await cut.read()).done).toBe(false);
		await revokeToken(couch, alice, 'revoked', made.token.id);
		// Ended without another read (its client paused): the site's one export is free again.
		await expect
			.poll(async () => (await exportRequest('site=revoked', { user: alice })).status, {
				timeout: 10_000
			})
			.toBe(200);
		await expect(cut.read()).rejects.toThrow(EXPORT_REVOKED);
	});

	test('a token revoked while an export waits for its first page ends it before its first record', async () => {
		// The export's access is held from when it was authorized, not from when its first
		// page came back: a wait for the index (up to the index wait) is no time to miss a
		// revocation in, which a check that counts as just passed would not see for RECHECK_MS.
		const couch = await indexedSite('late', 30, 16);
		const made = await addToken(couch, alice, 'late', 'export', { records: true });
		let asked!: () => void;
		const reading = new Promise<void>((resolve) => (asked = resolve));
		let answer!: () => void;
		const gate = new Promise<void>((resolve) => (answer = resolve));
		// The real store, its view reads held until the token is revoked.
		currentCouch = beforeViewReads(couch, () => {
			asked();
			return gate;
		});
		const pending = exportRequest('site=late', { token: made.secret });
		await reading;
		await revokeToken(couch, alice, 'late', made.token.id);
		answer();
		const res = await pending;
		expect(res.status).toBe(200);
		await expect(res.body!.getReader().read()).rejects.toThrow(EXPORT_REVOKED);
	});

	test('an export whose next page failed while its client paused ends with no unhandled rejection when its access goes', async () => {
		// Cancelling the records' stream once it failed rejects; nobody waited on that, and
		// Node ends the process on a rejection nobody handles.
		const couch = await indexedSite('broken', 700, 17);
		const made = await addToken(couch, alice, 'broken', 'export', { records: true });
		let views = 0;
		let failed!: () => void;
		const failing = new Promise<void>((resolve) => (failed = resolve));
		// The real store, its second view read failing, as a store gone away does.
		currentCouch = beforeViewReads(couch, async () => {
			if (++views === 1) return;
			failed();
			throw new Error('the store went away');
		});
		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => void unhandled.push(reason);
		process.on('unhandledRejection', onUnhandled);
		try {
			const res = await exportRequest('site=broken', { token: made.secret });
			const reader = res.body!.getReader();
			expect((await reader.read()).done).toBe(false);
			await failing;
			await revokeToken(couch, alice, 'broken', made.token.id);
			await expect(reader.read()).rejects.toThrow(EXPORT_REVOKED);
			// A rejection is unhandled once the microtasks after it ran: one turn of the loop.
			await new Promise((resolve) => setImmediate(resolve));
			expect(unhandled).toEqual([]);
		} finally {
			process.off('unhandledRejection', onUnhandled);
		}
	});

	test.each([
		['its connection cut', 'cut'],
		['no answer within the limit', 'silent']
	] as const)(
		'an export whose access re-check gets no answer from the store (%s) ends saying so, not that access was revoked',
		async (_, failure) => {
			// An export's access is checked again against the real store, reached through a
			// proxy that, once `failing`, cuts or holds the reads of the sites database: the
			// store did not answer, and nothing was revoked.
			const couch = await indexedSite('unanswered', 700, 18);
			const made = await addToken(couch, alice, 'unanswered', 'export', { records: true });
			let failing = false;
			const held: http.ServerResponse[] = [];
			const proxy = await storeProxy(couch.url, (req, res) => {
				if (!failing || !req.url?.startsWith(`/${couch.names.sites}/`)) return false;
				if (failure === 'cut') req.socket.destroy();
				else held.push(res);
				return true;
			});
			const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
			try {
				currentCouch = createCouch(proxy.url, couch.names.sites.replace(/-sites$/, ''), 1000);
				const reader = (
					await exportRequest('site=unanswered', { token: made.secret })
				).body!.getReader();
				expect((await reader.read()).done).toBe(false);
				failing = true;
				accessChanged();
				await expect(reader.read()).rejects.toThrow(EXPORT_UNCHECKED);
				const lines = logged.mock.calls.map((call) => String(call[0]));
				expect(lines.filter((line) => line.includes('could not be checked'))).toEqual([
					expect.stringMatching(
						/^\S+Z couchstats: an export of site "unanswered" ended: its reader's access could not be checked, the database did not answer \(.+\); nothing was revoked, its client may ask again$/
					)
				]);
				expect(lines.join('\n')).not.toContain(made.secret);
				// The site's one export is free again, and the token still reads it.
				failing = false;
				currentCouch = couch;
				const again = await exportRequest('site=unanswered', { token: made.secret });
				expect(again.status).toBe(200);
				expect((await again.text()).trimEnd().split('\n')).toHaveLength(700);
			} finally {
				logged.mockRestore();
				for (const res of held) res.destroy();
				await proxy.close();
			}
		}
	);

	test('a record exported before the ingest cleaned text is restored as the ingest stores it now, and written directly it is refused', async () => {
		const { couch, prefix, url } = await useCouch();
		await createSite(couch, alice, site('olden'));
		const records = syntheticRecords({ n: 60, site: 'olden', start: START, seed: 15 });
		const [old, other] = records.filter((r) => r.type === 'event');
		// An export line as stored before the ingest cleaned a page's text.
		const { _rev, ...exported } = old;
		void _rev;
		const line = { ...exported, name: 'sign\u0001up', props: { plan: 'pro\u0007\tmonthly' } };
		const dir = tempDir('couchstats-export-');
		const file = path.join(dir, 'olden-records.ndjson');
		fs.writeFileSync(file, JSON.stringify(line) + '\n');
		const run = await runImport(file, [], {
			COUCHDB_URL: url.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
			COUCHSTATS_DATA_DIR: dir
		});
		expect(run.code, run.stderr).toBe(0);
		const stored = await couch.events.get(old._id);
		expect(stored).toMatchObject({ name: 'sign up', props: { plan: 'pro monthly' } });

		// The store's own rule refuses the record as it was, naming the field.
		const written = await couch.events.bulk({
			docs: [{ ...other, name: 'sign\u0001up' }],
			new_edits: false
		});
		expect(written).toEqual([
			expect.objectContaining({
				error: 'forbidden',
				reason: 'name must be 1–64 characters, without control characters'
			})
		]);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	test('a line that is not a record the events database accepts stops the import before anything is written', async () => {
		const { couch, prefix, url } = await useCouch();
		await createSite(couch, alice, site('strict'));
		const [good, bad] = syntheticRecords({ n: 2, site: 'strict', start: START, seed: 11 });
		const dir = tempDir('couchstats-export-');
		const file = path.join(dir, 'bad.ndjson');
		fs.writeFileSync(
			file,
			JSON.stringify(good) + '\n' + JSON.stringify({ ...bad, type: 'pagevue' }) + '\n'
		);
		const run = await runImport(file, [], {
			COUCHDB_URL: url.toString(),
			COUCHSTATS_DB_PREFIX: prefix,
			COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
			COUCHSTATS_DATA_DIR: dir
		});
		expect(run.code).toBe(1);
		expect(run.stderr).toContain('couchstats import: line 2: is not a record couchstats stores');
		await indexed(couch);
		expect((await statsOf(couch, 'strict')).totals.pageviews).toBe(0);
		fs.rmSync(dir, { recursive: true, force: true });
	});
});
