/**
 * A store that stops answering (its process frozen with SIGSTOP, as an outside check
 * did) holds no request of the app for longer than its limit of a request to the store
 * (src/lib/server/store-limit.ts): each ends with a 503 that says the database did not
 * answer, and once the store answers again the app serves as before.
 */
import { describe, expect, vi } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { ADMIN_PASSWORD, STACK_LINE } from '../support/app';
import { pageview } from '../support/ingest-records';
import {
	embeddedOnly,
	postLogin,
	sendThroughIngest,
	siteWithToken,
	startApp,
	storeOf
} from './harness';

const embeddedStore = embeddedOnly('it freezes the app’s embedded store process');

/** The app's limit in this test, ms: short, so the test is. */
const LIMIT_MS = 2000;
/**
 * What a request may take beyond the limit: undici checks its time limits about once a
 * second, and the machine may be busy. A request that hangs is cut off here and fails.
 */
const MARGIN_MS = 5000;

/** The message of every 503 for the store's silence. */
const SILENT = `the database did not answer within ${LIMIT_MS / 1000} s; try again in a moment`;

describe.runIf(process.platform === 'linux')('a store that does not answer', () => {
	embeddedStore(
		'ends every request within the limit with a 503 saying so, and the app serves again once the store answers',
		async () => {
			const app = await startApp({ env: { COUCHSTATS_DB_TIMEOUT_MS: String(LIMIT_MS) } });
			const store = storeOf(app);
			try {
				/** A session cookie of the first account, not yet checked by the app. */
				const logIn = async () => {
					const login = await postLogin(app.url, app.adminName, ADMIN_PASSWORD);
					expect(login.status).toBe(303);
					return login.headers
						.getSetCookie()
						.map((c) => c.split(';')[0])
						.join('; ');
				};
				// One session the app checked (it keeps that for 30 s), so its pages' loads meet
				// the silence; one it never checked, so its check does.
				const cookie = await logIn();
				expect((await fetch(app.url + '/sites', { headers: { cookie } })).status).toBe(200);
				const unchecked = await logIn();
				const token = await siteWithToken(
					createCouch(app.couchUrl!, app.prefix),
					'frozen',
					'Frozen'
				);
				const record = pageview(Date.now() - 60_000);
				/** A request of the app, cut off past the limit and its margin. */
				const ask = (path: string, init: RequestInit = {}) =>
					fetch(app.url + path, { ...init, signal: AbortSignal.timeout(LIMIT_MS + MARGIN_MS) });
				const requests = {
					dashboard: () => ask('/sites/demo', { headers: { cookie, accept: 'text/html' } }),
					dashboardData: () => ask('/sites/demo/__data.json', { headers: { cookie } }),
					sites: () => ask('/sites', { headers: { cookie, accept: 'text/html' } }),
					sessionCheck: () =>
						ask('/sites', { headers: { cookie: unchecked, accept: 'text/html' } }),
					statsApi: () =>
						ask('/api/v1/stats?site=frozen&range=7d', {
							headers: { authorization: `Bearer ${token}` }
						}),
					publicStats: () => ask('/stats', { headers: { accept: 'text/html' } }),
					login: () => postLogin(app.url, app.adminName, ADMIN_PASSWORD),
					ingest: () => sendThroughIngest(app.url, [record]),
					healthz: () => ask('/healthz')
				};

				process.kill(store, 'SIGSTOP');
				try {
					const started = performance.now();
					const answers = await Promise.all(
						Object.entries(requests).map(async ([name, request]) => {
							const res = await request();
							return { name, res, body: await res.text(), ms: performance.now() - started };
						})
					);
					for (const { name, res, body, ms } of answers) {
						expect(ms, name).toBeLessThan(LIMIT_MS + MARGIN_MS);
						expect(res.status, `${name}: ${body}`).toBe(503);
					}
					const answer = (name: string) => answers.find((a) => a.name === name)!;
					// A page: the app's error page, with the status and what was wrong.
					for (const name of ['dashboard', 'sites', 'sessionCheck', 'publicStats']) {
						expect(answer(name).res.headers.get('content-type')).toContain('text/html');
						expect(answer(name).body).toContain('Error 503');
						expect(answer(name).body).toContain(SILENT);
					}
					// A page's data, as the client reads it on a navigation, and the Stats API: JSON.
					for (const name of ['dashboardData', 'statsApi']) {
						expect(JSON.parse(answer(name).body)).toEqual({
							error: 'unavailable',
							message: SILENT
						});
					}
					// The ingest's own error shape, with Retry-After: the tracker keeps its records
					// for a non-2xx answer and sends them again (tracker/network.ts).
					expect(JSON.parse(answer('ingest').body)).toEqual({
						error: 'unavailable',
						reason: SILENT
					});
					expect(answer('ingest').res.headers.get('retry-after')).toBe('5');
					// Its own 3 s, or the app's limit when that is shorter, as here.
					expect(JSON.parse(answer('healthz').body)).toEqual({
						ok: false,
						couchdb: 'unreachable',
						reason: expect.stringMatching(/^the database did not answer within [23] s/)
					});
				} finally {
					process.kill(store, 'SIGCONT');
				}

				// The store answers again: so does every request, and the record sent again is
				// stored (once: its id and revision are the browser's).
				await vi.waitFor(async () => expect((await requests.healthz()).status).toBe(200), {
					timeout: 30_000,
					interval: 200
				});
				expect((await requests.dashboard()).status).toBe(200);
				expect((await requests.sites()).status).toBe(200);
				expect((await requests.statsApi()).status).toBe(200);
				expect((await requests.ingest()).status).toBe(201);
				const events = createCouch(app.couchUrl!, app.prefix).events;
				expect((await events.get(String(record._id)))._rev).toBe(record._rev);
				// One line said why, not one per request, and no stack.
				const said = app.output().split('\n');
				const lines = said.filter((line) => line.includes('did not answer a request within 2 s'));
				expect(lines).toHaveLength(1);
				expect(said.filter((line) => STACK_LINE.test(line))).toEqual([]);
			} finally {
				expect(await app.stop()).toBe(0);
			}
		},
		120_000
	);
});
