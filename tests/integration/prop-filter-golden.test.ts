/**
 * A prop goal as a filter (`event=signup&prop=plan=pro`), worked out by hand: lines
 * classified by the importer (the tracker's rules, src/lib/classify/rules.ts), stored in
 * the embedded store, read through the real Stats and Sessions API handlers. Site `shop`,
 * time zone UTC, range November 10–11 2026.
 *
 * | session | visitor | when (UTC)        | lines                                                       |
 * | ------- | ------- | ----------------- | ----------------------------------------------------------- |
 * | S1      | V1      | Nov 10 10:00–03   | /pricing, signup plan=free, signup plan=pro, signup plan=pro |
 * | S2      | V1      | Nov 10 11:00      | after a 30-minute gap: /pricing, signup plan=pro            |
 * | S3      | V1      | Nov 11 09:00      | the next day: /, signup plan=pro                            |
 * | S4      | V2      | Nov 11 12:00      | from news.example: /pricing, signup plan=free               |
 * | S5      | V3      | Nov 11 14:00      | /pricing, signup plan=pro, recorded before prop flags       |
 *
 * S5's event is stored without `propFirstOfSession`/`propFirstOfDay`, as a record made
 * before they existed: an event under the prop filter, never a session or visitor.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { Classifier } from '../../src/lib/server/import/backfill';
import { createToken } from '../../src/lib/server/accounts/tokens';
import type { SiteRecord } from '../../src/lib/server/accounts/sites';
import type { StoredRecord } from '../../src/lib/records';
import type { Goal } from '../../src/lib/stats/goals';
import { GET as SESSIONS } from '../../src/routes/api/v1/sessions/+server';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { indexed, okWithToken, storeRecords, type GetHandler, useCouch } from './harness';

let couch: Couch;
let token: string;

const pro: Goal = { id: 'g1', kind: 'event', name: 'signup', prop: { key: 'plan', value: 'pro' } };
const RANGE = 'site=shop&from=2026-11-10&to=2026-11-11&tz=UTC';
const PRO = `${RANGE}&event=signup&prop=plan=pro`;
const FREE = `${RANGE}&event=signup&prop=plan=free`;

/** The lines of the table above, as an import reads them. */
function lines(): Record<string, unknown>[] {
	const at = (day: number, h: number, m: number) => Date.UTC(2026, 10, day, h, m);
	const pv = (vid: string, ts: number, path: string, referrer?: string) => ({
		type: 'pageview',
		visitor_id: vid,
		timestamp: ts,
		path,
		...(referrer && { referrer })
	});
	const signup = (vid: string, ts: number, path: string, plan: string) => ({
		type: 'event',
		visitor_id: vid,
		timestamp: ts,
		path,
		event: 'signup',
		props: { plan }
	});
	return [
		pv('visitor-one-0000', at(10, 10, 0), '/pricing'),
		signup('visitor-one-0000', at(10, 10, 1), '/pricing', 'free'),
		signup('visitor-one-0000', at(10, 10, 2), '/pricing', 'pro'),
		signup('visitor-one-0000', at(10, 10, 3), '/pricing', 'pro'),
		pv('visitor-one-0000', at(10, 11, 0), '/pricing'),
		signup('visitor-one-0000', at(10, 11, 1), '/pricing', 'pro'),
		pv('visitor-one-0000', at(11, 9, 0), '/'),
		signup('visitor-one-0000', at(11, 9, 1), '/', 'pro'),
		pv('visitor-two-0000', at(11, 12, 0), '/pricing', 'https://news.example/post'),
		signup('visitor-two-0000', at(11, 12, 1), '/pricing', 'free'),
		pv('visitor-three-00', at(11, 14, 0), '/pricing'),
		signup('visitor-three-00', at(11, 14, 1), '/pricing', 'pro')
	];
}

function records(): StoredRecord[] {
	const classifier = new Classifier({
		defaultSite: 'shop',
		timeZoneOf: () => 'UTC',
		milestones: false,
		receivedAt: Date.UTC(2026, 10, 12)
	});
	const out = lines().flatMap((row, i) => classifier.classify(row as never, i + 1));
	// S5's event, as stored before prop flags existed.
	const old = out.findLast((r) => r.type === 'event')!;
	if (old.type === 'event') {
		delete old.propFirstOfSession;
		delete old.propFirstOfDay;
	}
	return out;
}

function ok(handler: GetHandler, path: string, query: string) {
	return okWithToken(handler, path, query, token);
}

beforeAll(async () => {
	({ couch } = await useCouch());
	setCouch(couch);
	const created = createToken('prop filter test');
	token = created.secret;
	const site: SiteRecord = {
		_id: 'site:shop',
		type: 'site',
		id: 'shop',
		name: 'Shop',
		hostnames: ['shop.example'],
		timeZone: 'UTC',
		owners: ['owner'],
		tokens: [created.token],
		createdAt: 0,
		goals: [pro]
	};
	await couch.sites.insert(site);
	await storeRecords(couch, records());
	await indexed(couch);
});

describe('the classified records', () => {
	test('flag each plan first in its session and its visitor’s day', () => {
		const events = records().filter((r) => r.type === 'event');
		expect(
			events.map((r) =>
				r.type === 'event' ? [r.props?.plan, r.propFirstOfSession, r.propFirstOfDay] : null
			)
		).toEqual([
			['free', ['plan'], ['plan']],
			['pro', ['plan'], ['plan']],
			['pro', undefined, undefined],
			// S2: a new session, the same day.
			['pro', ['plan'], undefined],
			// S3: the next day.
			['pro', ['plan'], ['plan']],
			['free', ['plan'], ['plan']],
			// S5, stored without flags.
			['pro', undefined, undefined]
		]);
	});
});

describe('a prop filter in the Stats API', () => {
	test('counts the events with that value, and the sessions and visitors that fired it', async () => {
		const body = await ok(STATS, '/api/v1/stats', `${PRO}&interval=day`);
		expect(body.filter).toEqual({
			kind: 'event',
			value: 'signup',
			prop: { key: 'plan', value: 'pro' }
		});
		// Events: S1 twice, S2, S3, S5. Sessions: S1, S2, S3 (S5's event has no flags).
		// Visitors: V1 on Nov 10 and again on Nov 11.
		expect(body.totals).toMatchObject({ events: 5, sessions: 3, visitors: 2, pageviews: null });
		// Site visitors: V1 on each day, V2, V3.
		expect(body.unfiltered.totals.visitors).toBe(4);
		expect(
			body.timeseries.map((p: Record<string, unknown>) => [
				p.period,
				p.events,
				p.sessions,
				p.visitors
			])
		).toEqual([
			['2026-11-10', 3, 2, 1],
			['2026-11-11', 2, 1, 1]
		]);
		expect(body.previous.totals).toMatchObject({ events: 0, sessions: 0, visitors: 0 });
	});

	test('another value of the same prop counts its own sessions and visitors', async () => {
		const body = await ok(STATS, '/api/v1/stats', FREE);
		// S1 (V1, Nov 10) and S4 (V2, Nov 11).
		expect(body.totals).toMatchObject({ events: 2, sessions: 2, visitors: 2 });
		const event = await ok(STATS, '/api/v1/stats', `${RANGE}&event=signup`);
		// The event filter, for comparison: S5's old event counts by its name's flags.
		expect(event.totals).toMatchObject({ events: 7, sessions: 5, visitors: 4 });
	});

	test('breaks the converting sessions and visitors down by source, the events by page and prop', async () => {
		const pro = (await ok(STATS, '/api/v1/stats', PRO)).breakdowns;
		expect(pro.referrers).toEqual([{ value: '(direct)', sessions: 3, visitors: 2 }]);
		expect(pro.pages).toEqual([
			{ path: '/pricing', pageviews: 4, visitors: 0, engagedTimeMs: 0, entries: 0, exits: 0 },
			{ path: '/', pageviews: 1, visitors: 0, engagedTimeMs: 0, entries: 0, exits: 0 }
		]);
		expect(pro.events).toEqual([
			{ name: 'signup', count: 5, props: { plan: [{ value: 'pro', count: 5 }] } }
		]);
		const free = (await ok(STATS, '/api/v1/stats', FREE)).breakdowns;
		expect(free.referrers).toEqual([
			{ value: '(direct)', sessions: 1, visitors: 1 },
			{ value: 'news.example', sessions: 1, visitors: 1 }
		]);
	});

	test('makes the prop goal exact: its visitors and rate, and its filter', async () => {
		const body = await ok(STATS, '/api/v1/stats', RANGE);
		expect(body.goals).toEqual([
			{
				goal: pro,
				label: 'signup (plan = pro)',
				conversions: 5,
				visitors: 2,
				conversionRate: 0.5,
				previous: { conversions: 0, visitors: 0, conversionRate: 0 },
				filter: { kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } }
			}
		]);
	});
});

describe('a prop filter in the Sessions API', () => {
	test('lists the sessions that fired the value, by their first firing of it, with the total', async () => {
		const body = await ok(SESSIONS, '/api/v1/sessions', PRO);
		expect(body.total).toBe(3);
		expect(body.sessions.map((s: { entryPage: string; pageviews: number }) => s.entryPage)).toEqual(
			['/', '/pricing', '/pricing']
		);
		const free = await ok(SESSIONS, '/api/v1/sessions', FREE);
		expect(free.total).toBe(2);
		expect(free.filter).toEqual({
			kind: 'event',
			value: 'signup',
			prop: { key: 'plan', value: 'free' }
		});
	});
});
