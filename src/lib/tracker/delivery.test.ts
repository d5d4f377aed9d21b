import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { DOC_BYTES, LIMITS, NOW_HEADER, REQUEST_MS, type ClientRecord } from '../records.ts';
import {
	createDelivery,
	JOURNAL,
	JOURNAL_MAX,
	PER_REQUEST,
	SOON_MS,
	type DeliveryOptions,
	type Store
} from './delivery.ts';
import { memoryStore, type KeyValueStore } from './storage.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

let n = 0;
const record = (type: ClientRecord['type']) =>
	({ _id: `${type}-${++n}`, _rev: `1-${n}`, type }) as ClientRecord;

/** The ingest's answer to a request it stored (network.ts takes nothing else as delivery). */
const stored = () => new Response('[]', { status: 201, headers: { [NOW_HEADER]: '0' } });

/** A browser stand-in whose requests are recorded and answered by `online`. */
function browser() {
	const requests: { ids: string[]; keepalive: boolean }[] = [];
	let answer: 'ok' | 'down' | 'never' | 'later' | 'bad' | 'slow' | 'over30' = 'ok';
	/** Answers the requests waiting under `later`. */
	const later: (() => void)[] = [];
	let hidden = false;
	const storage = memoryStore();
	const window = Object.assign(new EventTarget(), {
		fetch: async (_url: string, init: RequestInit) => {
			const { docs } = JSON.parse(String(init.body)) as { docs: ClientRecord[] };
			requests.push({ ids: docs.map((d) => d._id), keepalive: !!init.keepalive });
			if (answer == 'never') return new Promise<never>(() => {});
			if (answer == 'later')
				return new Promise<Response>((resolve) => later.push(() => resolve(stored())));
			if (answer == 'down') throw new TypeError('Failed to fetch');
			// An uplink too slow for the request to end before it is given up (network.ts).
			if (answer == 'slow')
				return new Promise<never>((_, reject) =>
					setTimeout(() => reject(new DOMException('timed out', 'TimeoutError')), REQUEST_MS)
				);
			// A body limit (the ingest's, or a proxy's readable 413) that takes 30 records.
			if (answer == 'over30' && docs.length > 30)
				return new Response('{"error":"too_large"}', { status: 413 });
			if (answer == 'bad')
				return new Response('{"error":"bad_request","reason":"the body is not valid JSON"}', {
					status: 400
				});
			return stored();
		}
	});
	const open = (options: Partial<DeliveryOptions> = {}, store: KeyValueStore = storage) =>
		createDelivery({
			endpoint: 'https://stats.example/api/ingest',
			maxWaitMs: 10_000,
			max: 5,
			window: window as unknown as Window,
			storage: store,
			id: String(++n),
			hidden: () => hidden,
			dropped: (count) => ({ ...record('dropped'), count }) as ClientRecord,
			clock: () => ({ sent: Date.now(), answered: () => {} }),
			...options
		});
	return {
		requests,
		storage,
		open,
		sent: () => requests.map((r) => r.ids),
		answer: (a: typeof answer) => (answer = a),
		release: () => later.splice(0).forEach((answer) => answer()),
		hide(delivery: ReturnType<typeof open>) {
			hidden = true;
			delivery.hide();
		},
		online: () => window.dispatchEvent(new Event('online'))
	};
}

/** An outbox stand-in: writes resolve when `writes` says so; removals are recorded. */
function store(writes: 'done' | 'stall' = 'done') {
	const added: string[] = [];
	const removed: string[] = [];
	const box: Store = {
		add: (records) => {
			added.push(...records.map((r) => r._id));
			return writes == 'done' ? Promise.resolve() : new Promise(() => {});
		},
		remove: (records) => removed.push(...records.map((r) => r._id))
	};
	return { box, added, removed };
}

const journals = (storage: KeyValueStore) =>
	Array.from({ length: storage.length }, (_, i) => storage.key(i)!).filter((k) =>
		k.startsWith(JOURNAL)
	);

test('sends a pageview once its task ends, with what that task made and the heartbeat that waited, in one request', async () => {
	const b = browser();
	const d = b.open();
	const beat = record('heartbeat');
	d.add(beat);
	await vi.advanceTimersByTimeAsync(1000);
	expect(b.sent()).toEqual([]);
	const pv = record('pageview');
	const milestone = record('milestone');
	d.add(pv);
	await Promise.resolve();
	d.add(milestone);
	expect(b.sent()).toEqual([]);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.requests).toEqual([{ ids: [beat._id, pv._id, milestone._id], keepalive: false }]);
	expect(d.waiting()).toEqual([]);
});

test('sends heartbeats alone after the batch window, or at once when 10 records wait', async () => {
	const b = browser();
	const d = b.open({ max: 100 });
	d.add(record('heartbeat'));
	await vi.advanceTimersByTimeAsync(9999);
	expect(b.sent()).toEqual([]);
	await vi.advanceTimersByTimeAsync(1);
	expect(b.sent()).toHaveLength(1);
	for (let i = 0; i < 10; i++) d.add(record('heartbeat'));
	await vi.advanceTimersByTimeAsync(0);
	expect(b.sent().map((ids) => ids.length)).toEqual([1, 10]);
});

test('keeps one request in flight while visible; what comes meanwhile goes once it is answered', async () => {
	const b = browser();
	const d = b.open();
	b.answer('never');
	d.add(record('pageview'));
	await vi.advanceTimersByTimeAsync(SOON_MS);
	d.add(record('event'));
	await vi.advanceTimersByTimeAsync(5000);
	expect(b.sent()).toHaveLength(1);
	expect(d.waiting()).toHaveLength(2);
});

test('retries a failed request after a growing backoff, and at once when the browser is back online', async () => {
	vi.spyOn(Math, 'random').mockReturnValue(0.5); // the jitter: the first retry 1.5 s after
	const b = browser();
	const d = b.open();
	b.answer('down');
	const pv = record('pageview');
	d.add(pv);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	// New records wait for the retry.
	await vi.advanceTimersByTimeAsync(999);
	d.add(record('event'));
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.sent()).toHaveLength(1);
	await vi.advanceTimersByTimeAsync(1001);
	expect(b.sent()).toHaveLength(2);
	b.answer('ok');
	b.online();
	await vi.advanceTimersByTimeAsync(0);
	expect(b.sent()).toHaveLength(3);
	expect(b.sent()[2][0]).toBe(pv._id);
	expect(d.waiting()).toEqual([]);
});

test('a request the ingest refuses as the page made it (400) is not sent again from this page: its records wait, journaled as it hides, for the next page', async () => {
	// An outside probe: a page whose scripts broke the body was refused every few seconds.
	vi.spyOn(console, 'warn').mockImplementation(() => {});
	const b = browser();
	const d = b.open();
	b.answer('bad');
	const pv = record('pageview');
	d.add(pv);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.sent()).toEqual([[pv._id]]);
	const event = record('event');
	d.add(event);
	b.online();
	await vi.advanceTimersByTimeAsync(120_000);
	expect(b.sent()).toHaveLength(1);
	b.hide(d);
	expect(b.sent()).toHaveLength(1);
	expect(d.waiting()).toEqual([pv, event]);
	expect(JSON.parse(b.storage.getItem(journals(b.storage)[0])!)).toEqual([pv, event]);
	// The next page of the site, whose requests are accepted, sends them.
	b.answer('ok');
	const next = b.open();
	next.resume();
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.sent().at(-1)).toEqual([pv._id, event._id]);
	expect(next.waiting()).toEqual([]);
});

test('writes every record to the outbox and removes it once delivered', async () => {
	const b = browser();
	const d = b.open();
	const s = store();
	d.attach(s.box);
	const pv = record('pageview');
	d.add(pv);
	await vi.advanceTimersByTimeAsync(0);
	expect(s.added).toEqual([pv._id]);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(s.removed).toEqual([pv._id]);
});

test('when the page hides, journals what the outbox does not hold yet and sends everything with keepalive; the next page adopts the journal', async () => {
	const b = browser();
	const d = b.open();
	const s = store('stall');
	const kept = record('pageview');
	d.add(kept);
	await vi.advanceTimersByTimeAsync(SOON_MS); // delivered: neither journaled nor sent again
	d.attach(s.box);
	b.answer('down');
	const [event, beat] = [record('event'), record('heartbeat')];
	d.add(event);
	d.add(beat);
	b.hide(d);
	expect(b.requests.at(-1)).toEqual({ ids: [event._id, beat._id], keepalive: true });
	expect(journals(b.storage)).toHaveLength(1);
	expect(JSON.parse(b.storage.getItem(journals(b.storage)[0])!)).toEqual([event, beat]);

	// The next page of the site, offline too: it takes the records over, journal and all.
	const next = b.open();
	expect(next.waiting()).toEqual([]);
	next.resume();
	expect(next.waiting()).toEqual([event, beat]);
	expect(journals(b.storage)).toEqual([]);
	const box = store();
	next.attach(box.box);
	await vi.advanceTimersByTimeAsync(0);
	expect(box.added).toEqual([event._id, beat._id]);
	b.answer('ok');
	await vi.advanceTimersByTimeAsync(10_000);
	expect(b.sent().at(-1)).toEqual([event._id, beat._id]);
	expect(next.waiting()).toEqual([]);
});

test('a page that hides while a record is in flight sends it again with keepalive (closing cancels the first request)', async () => {
	const b = browser();
	const d = b.open();
	b.answer('later');
	const pv = record('pageview');
	d.add(pv);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.requests).toEqual([{ ids: [pv._id], keepalive: false }]);
	b.hide(d);
	expect(b.requests.at(-1)).toEqual({ ids: [pv._id], keepalive: true });
	// pagehide after visibilitychange: what already left with keepalive is not sent again.
	b.hide(d);
	expect(b.requests).toHaveLength(2);
	b.release();
	await vi.advanceTimersByTimeAsync(0);
	expect(d.waiting()).toEqual([]);
});

test('journals only what the outbox does not hold, and removes the journal once it holds it all', async () => {
	const b = browser();
	b.answer('down');
	const d = b.open();
	let written = () => {};
	const box: Store = {
		add: () => new Promise<void>((resolve) => (written = resolve)),
		remove: () => {}
	};
	d.attach(box);
	const pv = record('pageview');
	d.add(pv);
	b.hide(d);
	expect(journals(b.storage)).toHaveLength(1);
	written();
	await vi.advanceTimersByTimeAsync(0);
	expect(journals(b.storage)).toEqual([]);
	expect(d.waiting()).toEqual([pv]);
});

test('before the outbox, drops the oldest heartbeat beyond the limit and reports it in a dropped record', async () => {
	const b = browser();
	b.answer('down');
	const d = b.open({ max: 3 });
	const [h1, p1, h2, p2] = [
		record('heartbeat'),
		record('pageview'),
		record('heartbeat'),
		record('pageview')
	];
	for (const r of [h1, p1, h2, p2]) d.add(r);
	expect(d.waiting()).toEqual([p1, h2, p2]);
	const s = store();
	d.attach(s.box);
	await vi.advanceTimersByTimeAsync(0);
	const dropped = d.waiting().at(-1) as ClientRecord & { count: number };
	expect([dropped.type, dropped.count]).toEqual(['dropped', 1]);
	expect(s.added).toEqual([p1._id, h2._id, p2._id, dropped._id]);
});

test('sends records the outbox held once, and purges the copies of records it delivered already', async () => {
	const b = browser();
	const d = b.open();
	const pv = record('pageview');
	d.add(pv);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	const s = store();
	d.attach(s.box);
	const [left, beat] = [record('event'), record('heartbeat')];
	b.answer('never');
	d.adopt([pv, left, left, beat], true);
	expect(d.waiting()).toEqual([left, beat]);
	expect(s.removed).toEqual([pv._id]);
	// A found event is as live as a new one.
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.sent().at(-1)).toEqual([left._id, beat._id]);
	d.forget(new Set([left._id]));
	expect(d.waiting()).toEqual([beat]);
});

test('clear forgets every waiting record and every journal', () => {
	const b = browser();
	b.answer('down');
	const d = b.open();
	d.add(record('pageview'));
	b.hide(d);
	expect(journals(b.storage)).toHaveLength(1);
	d.clear();
	expect([d.waiting(), journals(b.storage)]).toEqual([[], []]);
});

test('clear resolves once the requests already on their way have ended', async () => {
	const b = browser();
	b.answer('later');
	const d = b.open();
	d.add(record('pageview'));
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.sent()).toHaveLength(1);
	let cleared = false;
	void d.clear().then(() => (cleared = true));
	await vi.advanceTimersByTimeAsync(1000);
	expect([cleared, d.waiting()]).toEqual([false, []]);
	b.release();
	await vi.advanceTimersByTimeAsync(0);
	expect(cleared).toBe(true);
});

test('a journal holds at most JOURNAL_MAX records, fewer where localStorage has no room, and counts what it leaves out in a dropped record, heartbeats first', async () => {
	// An outside probe: with IndexedDB refused and the ingest unreachable for 25 pages,
	// the oldest 50 events and 11 page views were cut from the journals, unsaid.
	const journalOf = (storage: KeyValueStore) =>
		JSON.parse(storage.getItem(journals(storage)[0])!) as ClientRecord[];
	const beats = Array.from({ length: 10 }, () => record('heartbeat'));
	const views = Array.from({ length: JOURNAL_MAX }, () => record('pageview'));
	const b = browser();
	b.answer('down');
	const d = b.open({ max: 10_000 });
	d.adopt([...beats, ...views]);
	b.hide(d);
	const all = journalOf(b.storage);
	expect(all).toHaveLength(JOURNAL_MAX);
	expect(all[0]).toMatchObject({ type: 'dropped', count: 11 });
	expect(all.slice(1)).toEqual(views.slice(1));

	// A localStorage with room for about 300 records: the journal halves to 250.
	const small = memoryStore();
	const room: KeyValueStore = {
		...small,
		setItem(key, value) {
			if (value.length > 300 * JSON.stringify(views[0]).length) throw new Error('quota');
			small.setItem(key, value);
		},
		get length() {
			return small.length;
		}
	};
	const c = browser();
	c.answer('down');
	const e = c.open({ max: 10_000 }, room);
	e.adopt([...beats, ...views]);
	c.hide(e);
	const some = journalOf(room);
	expect(some).toHaveLength(JOURNAL_MAX / 2);
	expect(some[0]).toMatchObject({
		type: 'dropped',
		count: beats.length + views.length - JOURNAL_MAX / 2 + 1
	});
	expect(some.slice(1)).toEqual(views.slice(-(JOURNAL_MAX / 2 - 1)));
});

test("a journal's cut and the queue's bound before the outbox drop in the outbox's order: first page views and milestones last", async () => {
	// A review: the journal dropped heartbeats, then the oldest (a session's milestone and
	// entry page view first); the queue before the outbox dropped the oldest once no
	// heartbeat was left; the outbox (bound.ts) keeps those two longest.
	const milestone = record('milestone');
	const entry = { ...record('pageview'), entry: true } as ClientRecord;
	const views = Array.from({ length: JOURNAL_MAX }, () => record('pageview'));
	const b = browser();
	b.answer('down');
	const d = b.open({ max: 10_000 });
	d.adopt([milestone, entry, ...views]);
	b.hide(d);
	const journal = JSON.parse(b.storage.getItem(journals(b.storage)[0])!) as ClientRecord[];
	expect(journal.slice(0, 3)).toEqual([
		expect.objectContaining({ type: 'dropped', count: 3 }),
		milestone,
		entry
	]);
	expect(journal.slice(3)).toEqual(views.slice(3));

	const c = browser();
	c.answer('down');
	const e = c.open({ max: 3 });
	const [again, more] = [record('pageview'), record('pageview')];
	for (const r of [milestone, entry, again, more]) e.add(r);
	expect(e.waiting()).toEqual([milestone, entry, more]);
});

test('after a request times out the next carries half as many records, down to one, and each delivery twice as many again', async () => {
	// An outside probe: over a 2 KB/s uplink a batch of 100 (48 KB) never finished within
	// REQUEST_MS, and the same batch went again for ever.
	const b = browser();
	b.answer('slow');
	const d = b.open({ max: 10_000 });
	d.adopt(Array.from({ length: 250 }, () => record('event')));
	while (b.requests.length < 9) await vi.advanceTimersByTimeAsync(1000);
	expect(b.requests.map((r) => r.ids.length)).toEqual([100, 50, 25, 13, 7, 4, 2, 1, 1]);
	b.answer('ok');
	while (d.waiting().length) await vi.advanceTimersByTimeAsync(1000);
	expect(b.requests.slice(9).map((r) => r.ids.length)).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 23]);
});

test('after a 413 the next request carries half as many records, until they fit; each delivery twice as many again', async () => {
	// An outside probe: behind a proxy's 1 MB limit the same 2 MB batch of 100 went again,
	// at 1, 2, 4 … 60 s, for ever, and an event behind it waited more than 150 s.
	vi.spyOn(Math, 'random').mockReturnValue(0);
	const b = browser();
	b.answer('over30');
	const d = b.open({ max: 10_000 });
	const start = Date.now();
	d.adopt(Array.from({ length: 100 }, () => record('event')));
	await vi.advanceTimersByTimeAsync(SOON_MS);
	const small = record('pageview');
	d.add(small);
	for (let s = 0; s < 60 && d.waiting().length; s++) await vi.advanceTimersByTimeAsync(1000);
	expect(b.requests.map((r) => r.ids.length)).toEqual([100, 50, 25, 50, 25, 50, 25, 26]);
	expect(b.sent().at(-1)).toContain(small._id);
	expect(Date.now() - start).toBeLessThan(10_000);
});

test('a request that gets no answer after an earlier failure goes again with half as many records (a proxy refusing a body without CORS headers)', async () => {
	const b = browser();
	b.answer('down');
	const d = b.open({ max: 10_000 });
	d.adopt(Array.from({ length: 250 }, () => record('event')));
	while (b.requests.length < 5) await vi.advanceTimersByTimeAsync(1000);
	// The first failure may be a blip: the same again, then fewer.
	expect(b.requests.map((r) => r.ids.length)).toEqual([100, 100, 50, 25, 13]);
	b.answer('ok');
	b.online();
	while (d.waiting().length) await vi.advanceTimersByTimeAsync(1000);
	expect(b.requests.slice(5).map((r) => r.ids.length)).toEqual([7, 14, 28, 56, 100, 45]);
});

test("a record over the ingest's DOC_BYTES is dropped as it comes, never sent, counted in one dropped record a task, and said once", async () => {
	// An outside probe: 100 events of 21,644 bytes (16 props of CJK text) made a 2 MB
	// request the ingest refused (413), again and again; alone, each would be refused.
	const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
	const big = () =>
		({ ...record('event'), props: { text: '統'.repeat(DOC_BYTES / 3) } }) as ClientRecord;
	const b = browser();
	const d = b.open({ max: 10_000 });
	const s = store();
	d.attach(s.box);
	const small = record('event');
	const first = big();
	d.add(first);
	for (let i = 1; i < 100; i++) d.add(big());
	d.add(small);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(b.requests).toHaveLength(1);
	const [sent] = b.requests;
	expect(sent.ids[0]).toBe(small._id);
	expect(d.waiting()).toEqual([]);
	// A big one left in the outbox by an earlier page is purged from it unsent, and counted.
	const left = big();
	d.adopt([left], true);
	await vi.advanceTimersByTimeAsync(SOON_MS);
	expect(s.removed).toContain(left._id);
	expect(b.requests).toHaveLength(2);
	const dropped = new Set(
		[...s.added, ...b.sent().flat()].filter((id) => id.startsWith('dropped'))
	);
	expect(dropped.size).toBe(2);
	expect(warn.mock.calls).toEqual([
		[
			'couchstats:',
			`event of ${new Blob([JSON.stringify(first)]).size} bytes dropped: the ingest takes ${DOC_BYTES} at most`
		]
	]);
});

test("a request of PER_REQUEST records at the ingest's DOC_BYTES each is within its request limit", () => {
	const event = record('event');
	const empty = JSON.stringify({ ...event, props: { text: '' } }).length;
	const full = { ...event, props: { text: 'x'.repeat(DOC_BYTES - empty) } };
	const docs = Array.from({ length: PER_REQUEST }, () => full);
	expect(JSON.stringify(full).length).toBe(DOC_BYTES);
	expect(JSON.stringify({ new_edits: false, docs, sent: 0, offset: 0 }).length).toBeLessThan(
		LIMITS.requestBytes
	);
});
