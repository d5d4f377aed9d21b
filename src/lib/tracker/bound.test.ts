import { expect, test } from 'vitest';
import type { ClientRecord } from '../records.ts';
import { planBound } from './bound.ts';

/** Records as the bounding reads them: an id, a type and the flags it looks at. */
type Entry = { id: string; type: string } & Record<string, unknown>;
const records = (list: Entry[]) =>
	list.map(({ id, ...rest }) => ({ _id: id, ...rest }) as ClientRecord);
const ids = (plan: { drop: ClientRecord[]; dropped: number } | undefined) =>
	plan && { drop: plan.drop.map((r) => r._id), dropped: plan.dropped };
const entries = (types: string) =>
	records(
		[...types].map((c, i) => ({
			id: `id${i}`,
			type: ({ p: 'pageview', h: 'heartbeat', e: 'event', m: 'milestone' } as const)[c as 'p']
		}))
	);

test('drops nothing while within the limit', () => {
	expect(planBound(entries('phh'), 3)).toBeUndefined();
});

test('drops the oldest heartbeats first and makes room for the dropped record', () => {
	expect(ids(planBound(entries('phephh'), 4))).toEqual({ drop: ['id1', 'id4', 'id5'], dropped: 3 });
});

test('drops the oldest other records once no heartbeat is left', () => {
	expect(ids(planBound(entries('pehm'), 2))).toEqual({ drop: ['id2', 'id0', 'id1'], dropped: 3 });
});

test('drops milestones last, though their ids sort as old as their session', () => {
	// An outside review: a 3-page session's nonbounce milestone went first, and it read as a bounce.
	expect(ids(planBound(entries('mpeeh'), 3))).toEqual({ drop: ['id4', 'id1', 'id2'], dropped: 3 });
});

test('folds an earlier undelivered dropped count into the new one', () => {
	const list = records([
		{ id: 'a', type: 'heartbeat' },
		{ id: 'b', type: 'dropped', count: 7 },
		{ id: 'c', type: 'heartbeat' },
		{ id: 'd', type: 'pageview' }
	]);
	expect(ids(planBound(list, 3))).toEqual({ drop: ['b', 'a'], dropped: 8 });
});

test('drops returns, then pageviews and events that are no first of anything, before the first ones', () => {
	// An outside review: a full outbox kept an offline session's last views, all returns,
	// and dropped its first views and events, on which its pages and goals are counted.
	const list = records([
		{ id: 'first-view', type: 'pageview', entry: true },
		{ id: 'first-event', type: 'event', firstOfSession: true },
		{ id: 'again', type: 'pageview' },
		{ id: 'back', type: 'pageview', revisit: true },
		{ id: 'event-again', type: 'event' },
		{ id: 'beat', type: 'heartbeat' }
	]);
	expect(ids(planBound(list, 4))?.drop).toEqual(['beat', 'back', 'again']);
	expect(ids(planBound(list, 2))?.drop).toEqual([
		'beat',
		'back',
		'again',
		'event-again',
		'first-view'
	]);
});

test("keeps a return that opens its visitor's day with the first ones", () => {
	const list = records([
		{ id: 'back-first', type: 'pageview', revisit: true, opensDay: true },
		{ id: 'again', type: 'pageview' },
		{ id: 'back', type: 'pageview', revisit: true }
	]);
	expect(ids(planBound(list, 2))?.drop).toEqual(['back', 'again']);
});

// A review: a view of `/` on `shop.` after `/` on `www.` (first of nothing but its host), a
// page seen earlier that day from another source, a second signup with another plan: each
// counts a visitor or a conversion, and went before plain page views made after it.
test.each([
	['pageview', 'hostFirstOfDay', true],
	['pageview', 'srcFirstOfDay', true],
	['pageview', 'srcPathFirstOfDay', true],
	['event', 'propFirstOfSession', ['plan']],
	['event', 'propFirstOfDay', ['plan']]
])('keeps a %s with %s with the first ones, after plain page views', (type, flag, value) => {
	const list = records([
		{ id: 'first', type, [flag]: value },
		{ id: 'again', type: 'pageview' },
		{ id: 'more', type: 'pageview' }
	]);
	expect(ids(planBound(list, 2))?.drop).toEqual(['again', 'more']);
});
