/**
 * What integration tests share: a fresh, set-up database prefix on the suite's CouchDB
 * (the embedded store global-setup.ts started, or COUCHSTATS_TEST_COUCHDB_URL), the
 * built app as a child process, and the mark of tests true only of the embedded store.
 */
import fs from 'node:fs';
import { expect, inject, test, type TestFunction } from 'vitest';
import type { IngestConfig } from '../../src/lib/server/ingest/config';
import type { BucketSettings } from '../../src/lib/server/ingest/rate-limit';
import { createCouch, postView, setCouch, type Couch } from '../../src/lib/server/couch';
import { siteRecordRange } from '../../src/lib/server/accounts/site-records';
import { createToken } from '../../src/lib/server/accounts/tokens';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { ensureSetup, type SetupResult } from '../../src/lib/server/boot/setup';
import { CHROME_UA } from '../support/ingest-records';
import { externalCouchUrl, firstAccountFor, freshPrefix } from '../support/test-couch';
import { statsIndexed } from '../../src/lib/server/stats/view-reader';
import { Classifier, LineParser } from '../../src/lib/server/import/backfill';
import type { StoredRecord } from '../../src/lib/records';
import { startApp, type RunningApp } from '../support/app';
import type { StoreProxy } from '../support/store-proxy';

export { freePort, runAppToExit, startApp, tempDir } from '../support/app';
export {
	basicAuth,
	externalCouchUrl,
	firstAccountFor,
	freshPrefix,
	testAccount
} from '../support/test-couch';

/**
 * The built app on a fresh database prefix of the suite's store, reached through `proxy`
 * (tests/support/store-proxy.ts), its first account named `owner` (`testAccount`'s).
 * @param env More of the app's environment.
 */
export function startAppBehind(
	proxy: StoreProxy,
	owner: string,
	env: Record<string, string> = {}
): Promise<RunningApp> {
	return startApp({
		env: {
			COUCHDB_URL: proxy.url.toString(),
			COUCHSTATS_DB_PREFIX: freshPrefix(),
			COUCHSTATS_ADMIN_NAME: owner,
			...env
		}
	});
}

/**
 * How the server refuses someone who is not a server admin: Apache CouchDB answers a
 * signed-in user 403 and an anonymous one 401; the embedded store answers both 401.
 */
export const NOT_ALLOWED = [401, 403];

/** Password of the first account in every test database. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

/** A fresh database prefix with databases created and design documents deployed. */
export async function useCouch(): Promise<{
	couch: Couch;
	url: URL;
	prefix: string;
	setup: SetupResult;
}> {
	const url = new URL(inject('couchUrl'));
	const prefix = freshPrefix();
	const couch = createCouch(url, prefix);
	const setup = await ensureSetup(couch, {
		adminPassword: TEST_ADMIN_PASSWORD,
		adminName: firstAccountFor(prefix)
	});
	return { couch, url, prefix, setup };
}

/** A route's GET handler, called as SvelteKit calls it. */
export type GetHandler = (event: never) => Promise<Response>;

/** Calls a route's GET `handler` at `path?query` with an API token, as an API client does. */
export function getWithToken(
	handler: GetHandler,
	path: string,
	query: string,
	token: string
): Promise<Response> {
	const url = new URL(`http://localhost${path}?${query}`);
	const request = new Request(url, { headers: { authorization: `Bearer ${token}` } });
	return handler({ url, request, locals: { user: null } } as never);
}

/**
 * Adds a site (time zone UTC, owned by `owner`) with an API token of its own.
 * @returns the token's secret, for {@link okWithToken}.
 */
export async function siteWithToken(couch: Couch, id: string, name: string): Promise<string> {
	const created = createToken(`${id} test`);
	const site = siteRecord(
		{ id, name, hostnames: [`${id}.example`], timeZone: 'UTC' },
		['owner'],
		0
	);
	await couch.sites.insert({ ...site, tokens: [created.token] });
	return created.secret;
}

/** {@link getWithToken}, expecting a 200: its JSON body. */
export async function okWithToken(handler: GetHandler, path: string, query: string, token: string) {
	const res = await getWithToken(handler, path, query, token);
	expect(res.status).toBe(200);
	return res.json();
}

/** Posts the login form of the app at `appUrl` as a browser does (same origin, HTML). */
export function postLogin(
	appUrl: string,
	name: string,
	password: string,
	query = ''
): Promise<Response> {
	return fetch(`${appUrl}/login${query}`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: appUrl,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ name, password })
	});
}

/**
 * Posts a form action of the app at `appUrl` as its page does (same origin, JSON answer),
 * logged in with `cookie`.
 * @param path The action's path, e.g. `/sites?/create`.
 */
export function postAction(
	appUrl: string,
	cookie: string,
	path: string,
	fields: Record<string, string>
): Promise<Response> {
	return fetch(`${appUrl}${path}`, {
		method: 'POST',
		headers: {
			origin: appUrl,
			cookie,
			accept: 'application/json',
			'x-sveltekit-action': 'true',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams(fields)
	});
}

/** The process running an app's store (Linux): the app's one child, running the built store. */
export function storeOf(app: RunningApp): number {
	const pid = app.process.pid!;
	const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ');
	expect(children).toHaveLength(1);
	const store = Number(children[0]);
	expect(fs.readFileSync(`/proc/${store}/cmdline`, 'utf8')).toContain('build/store/main.js');
	return store;
}

/** The session cookie of `name` logged in at the app (a `cookie` header's value). */
export async function sessionCookie(appUrl: string, name: string, password: string) {
	const login = await postLogin(appUrl, name, password);
	expect(login.status).toBe(303);
	return login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
}

/**
 * A test of something only the embedded store does; on an external CouchDB it is
 * skipped, with `reason` in its name.
 */
export function embeddedOnly(reason: string) {
	return (name: string, fn: TestFunction, timeout?: number) =>
		externalCouchUrl
			? test.skip(`${name} [embedded store only: ${reason}]`, fn)
			: test(name, fn, timeout);
}

/** How many records of a site the events database holds, by the site's own range. */
export async function recordsOf(couch: Couch, id: string): Promise<number> {
	const { design, view, ...range } = siteRecordRange(id);
	const body = await postView<number>(couch, design, view, range);
	return body.rows[0]?.value ?? 0;
}

/**
 * Resolves once the stats views have indexed everything written so far: a read that
 * brings the index up to date (the server waits for it, as Apache CouchDB does; asked
 * again after CouchDB's `500 timeout` on a build longer than its 60 s wait). One view's
 * read builds them all: an index belongs to the whole design document on both servers.
 * Exact numbers need it, since a first read that outlasts the view reader's limit (on a
 * busy machine) answers from the index as it stands.
 */
export async function indexed(couch: Couch): Promise<void> {
	await statsIndexed(couch);
}

/**
 * The records the importer makes of `lines` (CSV with its header line, or NDJSON), by the
 * tracker's rules (src/lib/classify/rules.ts), for one site in one time zone.
 */
export function importedRecords(
	lines: string[],
	options: { site: string; timeZone?: string; milestones?: boolean }
): StoredRecord[] {
	const parser = new LineParser();
	const classifier = new Classifier({
		defaultSite: options.site,
		timeZoneOf: () => options.timeZone ?? 'UTC',
		milestones: options.milestones,
		receivedAt: 1
	});
	return lines.flatMap((line, i) => {
		const row = parser.parse(line, i + 1);
		return row ? classifier.classifyLine(row, i + 1).records : [];
	});
}

/**
 * A Stats API answer's numbers, without how the read went: `indexing` (a read that
 * outlasts the view reader's limit on a busy machine answers from the index as it stands
 * and says so, with the same numbers when it was up to date) and `meta` (its queries).
 */
export function numbersOf<T extends { indexing: boolean; meta: unknown }>(
	stats: T
): Omit<T, 'indexing' | 'meta'> {
	const { indexing: _indexing, meta: _meta, ...numbers } = stats;
	void _indexing;
	void _meta;
	return numbers;
}

/** Stores records as replication does (`new_edits: false`), failing on any refused. */
export async function storeRecords(couch: Couch, docs: object[]): Promise<void> {
	const res = await couch.events.bulk({ docs, new_edits: false });
	expect(res.filter((r) => 'error' in r && r.error)).toEqual([]);
}

/**
 * A site whose records are imported `lines` ({@link importedRecords}), stored and
 * indexed on a fresh database prefix that the route handlers then read (`setCouch`).
 * @returns the store and the site's API token, for {@link okWithToken}.
 */
export async function importedSite(
	site: string,
	lines: string[],
	options: { timeZone?: string; milestones?: boolean } = {}
): Promise<{ couch: Couch; token: string }> {
	const { couch } = await useCouch();
	setCouch(couch);
	const token = await siteWithToken(couch, site, site);
	await storeRecords(couch, importedRecords(lines, { site, ...options }));
	await indexed(couch);
	return { couch, token };
}

/**
 * Sends client records through the app's ingest as a desktop Chrome's tracker does
 * (the ingest fills in `receivedAt` and the rest of the stored shape).
 */
export function sendThroughIngest(appUrl: string, docs: object[]): Promise<Response> {
	return fetch(`${appUrl}/api/ingest/_bulk_docs`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: appUrl, 'user-agent': CHROME_UA },
		body: JSON.stringify({ docs, new_edits: false })
	});
}

/** An ingest configuration whose every bucket is `limit`, reading the site list on every request. */
export function ingestConfig(limit: BucketSettings): IngestConfig {
	return {
		ip: limit,
		ipRecords: limit,
		records: limit,
		session: limit,
		visitor: limit,
		sitesTtlMs: 0
	};
}

/**
 * `store`, noting each view query made through it in `queries` (its view and parameters;
 * each of a batch's on its own), and calling `onView` as each goes out.
 */
export function notingViewQueries(store: Couch, queries: string[], onView = () => {}): Couch {
	const note = (view: string, params: unknown) => {
		queries.push(`${view} ${JSON.stringify(params)}`);
		onView();
	};
	const events = new Proxy(store.events, {
		get(target, key, receiver) {
			if (key !== 'view') return Reflect.get(target, key, receiver);
			return (...args: Parameters<typeof target.view>) => {
				note(args[1], args[2]);
				return target.view(...args);
			};
		}
	});
	const server = new Proxy(store.server, {
		get(target, key, receiver) {
			if (key !== 'relax') return Reflect.get(target, key, receiver);
			return (options: Parameters<typeof target.relax>[0]) => {
				const path = typeof options === 'string' ? options : (options.path ?? '');
				const view = /_view\/([^/]+)(\/queries)?$/.exec(path);
				if (view && typeof options !== 'string') {
					const body = options.body as { queries?: unknown[] };
					for (const params of view[2] ? (body.queries ?? []) : [body]) note(view[1], params);
				}
				return target.relax(options);
			};
		}
	});
	return { ...store, events, server };
}
