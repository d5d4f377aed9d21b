import { expect, test } from 'vitest';
import { planBound, type OutboxEntry } from './bound.ts';

const entries = (types: string): OutboxEntry[] =>
	[...types].map((c, i) => ({
		id: `id${i}`,
		type: ({ p: 'pageview', h: 'heartbeat', e: 'event', m: 'milestone' } as const)[c as 'p']
	}));

test('drops nothing while within the limit', () => {
	expect(planBound(entries('phh'), 3)).toBeUndefined();
});

test('drops the oldest heartbeats first and makes room for the dropped record', () => {
	expect(planBound(entries('phephh'), 4)).toEqual({ drop: ['id1', 'id4', 'id5'], dropped: 3 });
});

test('drops the oldest other records once no heartbeat is left', () => {
	expect(planBound(entries('pehm'), 2)).toEqual({ drop: ['id2', 'id0', 'id1'], dropped: 3 });
});

test('drops milestones last, though their ids sort as old as their session', () => {
	// An outside review: a 3-page session's nonbounce milestone went first, and it read as a bounce.
	expect(planBound(entries('mpeeh'), 3)).toEqual({ drop: ['id4', 'id1', 'id2'], dropped: 3 });
});

test('folds an earlier undelivered dropped count into the new one', () => {
	const list: OutboxEntry[] = [
		{ id: 'a', type: 'heartbeat' },
		{ id: 'b', type: 'dropped', count: 7 },
		{ id: 'c', type: 'heartbeat' },
		{ id: 'd', type: 'pageview' }
	];
	expect(planBound(list, 3)).toEqual({ drop: ['b', 'a'], dropped: 8 });
});

test('drops returns, then pageviews and events that are no first of anything, before the first ones', () => {
	// An outside review: a full outbox kept an offline session's last views, all returns,
	// and dropped its first views and events, on which its pages and goals are counted.
	const list: OutboxEntry[] = [
		{ id: 'first-view', type: 'pageview', first: true },
		{ id: 'first-event', type: 'event', first: true },
		{ id: 'again', type: 'pageview' },
		{ id: 'back', type: 'pageview', revisit: true },
		{ id: 'event-again', type: 'event' },
		{ id: 'beat', type: 'heartbeat' }
	];
	expect(planBound(list, 4)?.drop).toEqual(['beat', 'back', 'again']);
	expect(planBound(list, 2)?.drop).toEqual(['beat', 'back', 'again', 'event-again', 'first-view']);
});

test("keeps a return that opens its visitor's day with the first ones", () => {
	const list: OutboxEntry[] = [
		{ id: 'back-first', type: 'pageview', revisit: true, first: true },
		{ id: 'again', type: 'pageview' },
		{ id: 'back', type: 'pageview', revisit: true }
	];
	expect(planBound(list, 2)?.drop).toEqual(['back', 'again']);
});
