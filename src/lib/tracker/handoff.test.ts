import { expect, test } from 'vitest';
import type { SessionState, VisitorState } from '../classify/rules.ts';
import {
	confirmHandoff,
	HANDOFF,
	HANDOFF_CHARS,
	HANDOFF_MS,
	makeHandoff,
	takeHandoff
} from './handoff.ts';
import { stateKeys } from './session.ts';
import { memoryStore, readJson, writeJson } from './storage.ts';

const NOW = Date.UTC(2026, 11, 7, 12);
const keys = stateKeys('biz');
const HOSTS = 'www.example.test shop.example.test';
const visitor: VisitorState = {
	id: '019afa00-0000-7000-8000-000000000001',
	day: '2026-12-07',
	paths: Array.from({ length: 300 }, (_, i) => 'k' + i)
};
const session: SessionState = {
	id: '019afa00-0000-7000-8000-000000000002',
	last: NOW - 1000,
	pv: 2,
	ms: 4000,
	ix: 1,
	m: ['nonbounce'],
	pages: { '/': NOW - 9000, '/cart': NOW - 1000 },
	path: '/cart',
	src: 'google.com',
	land: '/'
};

/** The visitor with a short day (the whole one's fragment is over HANDOFF_CHARS). */
const short: VisitorState = { ...visitor, paths: ['k1'] };

/** The www host's storage, with a visitor and a session. */
function www() {
	const store = memoryStore();
	writeJson(store, keys.visitor, visitor);
	writeJson(store, keys.session, session);
	return store;
}

/** A page of another host at `href`, reached from `referrer`. */
function landing(href: string, referrer = 'https://www.example.test/cart') {
	const win = {
		location: new URL(href),
		document: { referrer },
		history: {
			state: null,
			replaceState: (_: unknown, __: string, url: string) => (win.location = new URL(url, href))
		}
	};
	return win;
}

/** Takes `fragment` on a shop page at `at`, by the browser `mark`, its storage knowing `hosts`. */
function take(
	fragment: string,
	{
		at = NOW,
		mark = 'm1',
		hosts = HOSTS as string | null,
		referrer = 'https://www.example.test/cart'
	} = {}
) {
	const store = memoryStore();
	if (hosts) writeJson(store, keys.hosts, hosts);
	const win = landing('https://shop.example.test/pay?order=42' + fragment, referrer);
	takeHandoff(win as unknown as Window, store, memoryStore(), keys, at, mark);
	return {
		left: readJson<string>(store, keys.handoff),
		address: win.location.href,
		visitor: readJson<VisitorState>(store, keys.visitor),
		session: readJson<SessionState>(store, keys.session),
		store
	};
}

test('a hand-off taken in time by the same browser makes its visitor and session the host’s, and leaves the address bar', () => {
	const fragment = makeHandoff(www(), keys, NOW, 'm1')!;
	expect(fragment.startsWith(HANDOFF)).toBe(true);
	const taken = take(fragment, { at: NOW + 5000 });
	expect(taken.address).toBe('https://shop.example.test/pay?order=42');
	expect(taken.session).toEqual(session);
	// The day's keys travel cut to the latest 100.
	expect(taken.visitor).toEqual({ ...visitor, paths: visitor.paths!.slice(-100) });
	expect(taken.left).toBeUndefined();
});

test('a hand-off landing on the path it left (`/` of www to `/` of the shop) is a page of its own: that path is not the one the visitor is on', () => {
	const store = www();
	const left = { ...session, path: '/pay', pages: { '/': NOW - 9000, '/pay': NOW - 1000 } };
	writeJson(store, keys.session, left);
	const taken = take(makeHandoff(store, keys, NOW, 'm1')!);
	// Its pageview is then no reload of the page left (classifyPageview), and comes from it.
	expect(taken.session).toEqual({ ...left, pages: { '/': NOW - 9000 } });
});

test.each([
	['after HANDOFF_MS (a copied link opened later)', { at: NOW + HANDOFF_MS + 1 }],
	['by another browser', { mark: 'm2' }],
	['from a page of no host the site lists', { referrer: 'https://evil.example/' }],
	['without a referrer', { referrer: '' }]
])('a hand-off taken %s is ignored, and still leaves the address bar', (_, options) => {
	const taken = take(makeHandoff(www(), keys, NOW, 'm1')!, options);
	expect([taken.visitor, taken.session]).toEqual([undefined, undefined]);
	expect(taken.address).toBe('https://shop.example.test/pay?order=42');
});

test.each([
	['not JSON', HANDOFF + '%7Bnot-json'],
	['JSON that is no object', HANDOFF + 'null'],
	[
		// The ingest refuses every record of such a session (records.ts ID_PATTERN).
		'a session id whose variant is no UUID’s',
		HANDOFF +
			encodeURIComponent(
				JSON.stringify({
					v: short,
					s: { ...session, id: '019afa00-0000-7000-0000-000000000002' },
					t: NOW,
					b: 'm1'
				})
			)
	],
	[
		'a visitor that is null',
		HANDOFF + encodeURIComponent(JSON.stringify({ v: null, t: NOW, b: 'm1' }))
	],
	['a bad escape', HANDOFF + '%E0%A4%A'],
	[
		'an id that is no UUIDv7',
		HANDOFF +
			encodeURIComponent(JSON.stringify({ v: { ...short, id: 'x' }, s: session, t: NOW, b: 'm1' }))
	],
	[
		'a session whose counts are no numbers',
		HANDOFF +
			encodeURIComponent(JSON.stringify({ v: short, s: { ...session, pv: '2' }, t: NOW, b: 'm1' }))
	],
	['no time', HANDOFF + encodeURIComponent(JSON.stringify({ v: short, s: session, b: 'm1' }))],
	[
		'too long',
		HANDOFF +
			encodeURIComponent(
				JSON.stringify({ v: short, s: session, t: NOW, b: 'm1', x: 'x'.repeat(HANDOFF_CHARS) })
			)
	]
])('a hand-off with %s is ignored', (_, fragment) => {
	const taken = take(fragment);
	expect([taken.visitor, taken.session]).toEqual([undefined, undefined]);
});

test('a host that has too much to hand on hands on nothing', () => {
	const store = www();
	writeJson(store, keys.session, { ...session, pages: { ['/' + 'p'.repeat(HANDOFF_CHARS)]: NOW } });
	expect(makeHandoff(store, keys, NOW, 'm1')).toBeUndefined();
});

test("a host's first page, which knows none of the site's hosts, takes a hand-off until the ingest's first answer says whether it came from one", () => {
	const fragment = makeHandoff(www(), keys, NOW, 'm1')!;
	const kept = take(fragment, { hosts: null });
	expect([kept.left, kept.visitor?.id]).toEqual(['www.example.test', visitor.id]);
	expect(confirmHandoff(kept.store, keys, HOSTS)).toBe(false);
	expect(readJson<VisitorState>(kept.store, keys.visitor)?.id).toBe(visitor.id);
	expect(readJson(kept.store, keys.handoff)).toBeUndefined();
	// A page elsewhere that forged one: the visitor it gave goes at the first answer.
	const forged = take(fragment, { hosts: null, referrer: 'https://evil.example/x' });
	expect(forged.left).toBe('evil.example');
	expect(confirmHandoff(forged.store, keys, HOSTS)).toBe(true);
	expect([
		readJson(forged.store, keys.visitor),
		readJson(forged.store, keys.session),
		readJson(forged.store, keys.handoff)
	]).toEqual([undefined, undefined, undefined]);
	// Nothing waits: a later answer forgets nothing.
	writeJson(forged.store, keys.visitor, visitor);
	expect(confirmHandoff(forged.store, keys, HOSTS)).toBe(false);
	expect(readJson<VisitorState>(forged.store, keys.visitor)?.id).toBe(visitor.id);
});
