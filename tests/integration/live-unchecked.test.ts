/**
 * A live stream whose reader's access could not be checked again, in the BUILT app: the
 * app reaches the suite's store through a proxy that, once told, holds the reads of the
 * sites database unanswered, so the re-check meets the app's limit of a request to the
 * store. The stream ends (nobody could confirm its access), saying that access could not
 * be checked, not that it ended: nothing was revoked, and its client asks again. So is a
 * session cookie whose check gets no answer: 503, not "log in".
 */
import type http from 'node:http';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { RunningApp } from '../support/app';
import { ADMIN_PASSWORD } from '../support/app';
import { storeProxy, type StoreProxy } from '../support/store-proxy';
import { addToken } from '../../src/lib/server/accounts/site-admin';
import { createCouch } from '../../src/lib/server/couch';
import { ACCESS_UNCHECKED } from '../../src/lib/stats/active';
import { postAction, sessionCookie, siteWithToken, startAppBehind, testAccount } from './harness';

const store = new URL(inject('couchUrl'));
/** The app's limit of a request to the store in this test, ms: short, so the test is. */
const LIMIT_MS = 1500;
let proxy: StoreProxy;
let app: RunningApp;
let token: string;
/** Once a write of the sites database passed (`arm`), its reads are held unanswered. */
let armed = false;
let silent = false;
/** While set, the store's session checks (`GET /_session`) get their connection cut. */
let sessionsCut = false;
const held: http.ServerResponse[] = [];

beforeAll(async () => {
	proxy = await storeProxy(store, (req, res) => {
		if (sessionsCut && req.method === 'GET' && req.url?.startsWith('/_session')) {
			req.socket.destroy();
			return true;
		}
		if (!app || !req.url?.startsWith(`/${app.prefix}-sites`)) return false;
		if (req.method !== 'GET') {
			// The access change the test makes is written: the reads after it get no answer.
			if (armed) silent = true;
			return false;
		}
		if (!silent) return false;
		held.push(res);
		return true;
	});
	app = await startAppBehind(proxy, testAccount('unchecked-owner'), {
		COUCHSTATS_DB_TIMEOUT_MS: String(LIMIT_MS)
	});
	token = await siteWithToken(createCouch(store, app.prefix), 'unchecked', 'Unchecked');
});

afterAll(async () => {
	silent = armed = false;
	for (const res of held.splice(0)) res.destroy();
	await app?.stop();
	await proxy?.close();
});

/** Reads a stream's text until it ends; the text read. */
async function readToEnd(res: Response): Promise<string> {
	const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
	let text = '';
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return text;
		text += value;
	}
}

test("a live stream whose access re-check gets no answer from the store ends saying access could not be checked, and its client's next try is told the store did not answer", async () => {
	const live = () =>
		fetch(`${app.url}/api/v1/live?site=unchecked`, {
			headers: { authorization: `Bearer ${token}` },
			signal: AbortSignal.timeout(30_000)
		});
	const stream = await live();
	expect(stream.status).toBe(200);
	const text = readToEnd(stream);
	// An access change in the app (another token of the site) checks every stream again at once.
	const cookie = await sessionCookie(app.url, app.adminName, ADMIN_PASSWORD);
	armed = true;
	await postAction(app.url, cookie, '/sites/unchecked/settings?/addToken', { label: 'another' });
	const events = (await text).trimEnd().split('\n\n');
	expect(events.at(-1)).toBe(`event: end\ndata: ${JSON.stringify({ reason: ACCESS_UNCHECKED })}`);
	expect(app.output()).toMatch(
		/\S+Z couchstats: a live stream of site "unchecked" ended: its reader's access could not be checked, the database did not answer \(the database did not answer within 1\.5 s; try again in a moment\); nothing was revoked, its client may ask again\n/
	);
	expect(app.output()).not.toContain(token);
	// Asked again while the store is silent: a 503 that says so, not a refusal.
	const again = await live();
	expect(again.status).toBe(503);
	expect(await again.json()).toEqual({
		error: 'unavailable',
		message: `the database did not answer within ${LIMIT_MS / 1000} s; try again in a moment`
	});
	// Once the store answers, the token reads the stream again: nothing was revoked.
	silent = armed = false;
	const back = await live();
	expect(back.status).toBe(200);
	await back.body!.cancel();
});

test("the demo site's owner, whose first access check gets no answer from the store, is told so (503), not given the public stream as anyone", async () => {
	// Anyone may follow the demo site, told only its public paths; its owners see it whole.
	// A check the store did not answer is no refusal: it was read as one, and the owner
	// silently got the stream anyone gets.
	const admin = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	const { secret } = await addToken(createCouch(store, app.prefix), admin, 'demo', 'owner live');
	silent = true;
	try {
		const res = await fetch(`${app.url}/api/v1/live?site=demo`, {
			headers: { authorization: `Bearer ${secret}` },
			signal: AbortSignal.timeout(30_000)
		});
		expect(res.status).toBe(503);
		expect(((await res.json()) as { message: string }).message).toBe(
			`the database did not answer within ${LIMIT_MS / 1000} s; try again in a moment`
		);
	} finally {
		silent = false;
	}
});

test('a session the store could not check is told so (503) by the live stream and the Stats API, not that it must log in', async () => {
	// The request goes on without a user (hooks.server.ts keeps the cookie for when the store
	// is back): it was answered 401 "log in", and the dashboard's stream, refused with 401,
	// stopped for good saying the session ended.
	const cookie = await sessionCookie(app.url, app.adminName, ADMIN_PASSWORD);
	sessionsCut = true;
	try {
		for (const path of ['/api/v1/live?site=unchecked', '/api/v1/stats?site=unchecked']) {
			const res = await fetch(app.url + path, { headers: { cookie } });
			expect([path, res.status]).toEqual([path, 503]);
			expect(await res.json()).toEqual({
				error: 'unavailable',
				message:
					'your session could not be checked: the database did not answer; try again in a moment'
			});
		}
	} finally {
		sessionsCut = false;
	}
	const res = await fetch(`${app.url}/api/v1/stats?site=unchecked`, { headers: { cookie } });
	expect(res.status).toBe(200);
});
