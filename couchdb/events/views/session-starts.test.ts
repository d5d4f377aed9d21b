import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './session-starts.js';

describe('the session-starts view', () => {
	test('counts sessions with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('an entry pageview lists its session at its start time', () => {
		const doc = record({ type: 'pageview', entry: true, sid: 's1' });
		expect(scoped(runMap(map, doc))).toEqual([[['demo', doc.ts, 's1'], null]]);
	});

	test('an entry pageview also lists its session under its source and its landing page, a later one under neither', () => {
		const fields = { type: 'pageview', sid: 's1', path: '/blog', src: 'x.com' };
		const doc = record({ ...fields, entry: true });
		expect(runMap(map, doc)).toEqual([
			[['demo', doc.ts, 's1'], null],
			[[['demo', 'source:x.com'], doc.ts, 's1'], null],
			[[['demo', 'page:/blog'], doc.ts, 's1'], null]
		]);
		expect(runMap(map, record({ ...fields, entry: false }))).toEqual([]);
	});

	test('only the event flagged first of its name in the session lists it under the event, at its own time', () => {
		const event = { type: 'event', name: 'signup', sid: 's1', firstOfSession: true };
		const doc = record(event);
		const rows = [
			event,
			{ ...event, firstOfSession: false },
			{ ...event, bot: true },
			{ ...event, name: undefined }
		].map((fields) => runMap(map, record(fields)));
		expect(rows).toEqual([[[[['demo', 'event:signup'], doc.ts, 's1'], null]], [], [], []]);
	});

	test('the event whose propFirstOfSession names a key lists its session under that value', () => {
		const event = { type: 'event', name: 'signup', sid: 's1', props: { plan: 'pro', seats: 3 } };
		const doc = record({ ...event, firstOfSession: false, propFirstOfSession: ['seats'] });
		expect(runMap(map, doc)).toEqual([[[['demo', 'prop:signup|seats=3'], doc.ts, 's1'], null]]);
		// Recorded before prop flags existed: first of no value.
		expect(runMap(map, record({ ...event, firstOfSession: true }))).toEqual([
			[[['demo', 'event:signup'], doc.ts, 's1'], null]
		]);
	});

	test.each([
		['a later pageview', { type: 'pageview', entry: false }],
		['an event', { type: 'event', name: 'signup' }],
		['a heartbeat', { type: 'heartbeat', engagedMs: 1000 }],
		['a milestone', { type: 'milestone', milestone: 'actual' }],
		['a bot-flagged entry pageview', { type: 'pageview', entry: true, bot: true }],
		['an entry pageview without a session', { type: 'pageview', entry: true, sid: undefined }]
	])('%s lists nothing', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
