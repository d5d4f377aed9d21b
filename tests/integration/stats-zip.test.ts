/**
 * The whole dashboard in one ZIP (`GET /api/v1/stats/export?…&format=zip`), read through
 * the real route from the embedded store on tests/support/golden.ts: each file in it is,
 * byte for byte, what `breakdown=NAME&format=csv` answers, under the same filter, range,
 * zone and comparison, read once for them all, and the ZIP refuses what the CSV export
 * refuses.
 */
import { unzipSync, strFromU8 } from 'fflate';
import { beforeAll, describe, expect, test } from 'vitest';
import { createCouch, setCouch, type Couch } from '../../src/lib/server/couch';
import { forClient } from '../../src/lib/server/store-dispatch';
import { handleExport } from '../../src/lib/server/stats/handler';
import { createToken, hashToken } from '../../src/lib/server/accounts/tokens';
import { ZIP_EXPORTS } from '../../src/lib/server/stats/export';
import { GET as STATS } from '../../src/routes/api/v1/stats/+server';
import { GET as EXPORT } from '../../src/routes/api/v1/stats/export/+server';
import { goldenRecords, goldenSite } from '../support/golden';
import { indexed, notingViewQueries, storeRecords, useCouch } from './harness';

let couch: Couch;
let couchUrl: URL;
let prefix: string;
let token: string;
let otherToken: string;
/** The golden site's share link's secret. */
const SHARE = 'shr_' + 'ziptest'.padEnd(32, 'x');

/** The export route's answer to `query`, with `bearer` as its token (none: no credentials). */
function get(query: string, bearer: string | null = token, signal?: AbortSignal) {
	const url = new URL(`http://localhost/api/v1/stats/export?${query}`);
	const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
	const request = new Request(url, { headers, signal });
	return EXPORT({ url, request, locals: { user: null } } as never);
}

/** The files of a ZIP answer, by name, as text. */
async function unzipped(res: Response): Promise<Record<string, string>> {
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toBe('application/zip');
	const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
	return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, strFromU8(bytes)]));
}

/** The export handler's answer to `query` on `store`, with the golden site's token. */
function counted(store: Couch, query: string, signal?: AbortSignal) {
	const url = new URL(`http://localhost/api/v1/stats/export?${query}`);
	const request = new Request(url, { headers: { authorization: `Bearer ${token}` }, signal });
	return handleExport({ url, request, locals: { user: null } }, { couch: store });
}

/** The single CSV export of `name` under `query`: its file name and text. */
async function single(query: string, name: string): Promise<[string, string]> {
	const res = await get(`${query}&breakdown=${encodeURIComponent(name)}&format=csv`);
	expect(res.status).toBe(200);
	const disposition = res.headers.get('content-disposition')!;
	return [/filename="([^"]+)"/.exec(disposition)![1], await res.text()];
}

beforeAll(async () => {
	({ couch, url: couchUrl, prefix } = await useCouch());
	setCouch(couch);
	const created = createToken('zip test');
	token = created.secret;
	const other = createToken('zip test, another site');
	otherToken = other.secret;
	await couch.sites.insert({
		...goldenSite(),
		tokens: [created.token],
		shareHash: hashToken(SHARE),
		goals: [
			{ id: 'home', kind: 'page', path: '/' },
			{ id: 'signup', kind: 'event', name: 'signup' }
		]
	});
	await couch.sites.insert({
		...goldenSite(),
		_id: 'site:zip-other',
		id: 'zip-other',
		hostnames: ['other.example'],
		tokens: [other.token]
	});
	await storeRecords(couch, goldenRecords());
	await indexed(couch);
});

const RANGE = 'site=golden&from=2026-11-01&to=2026-11-03&tz=UTC';

describe('the dashboard as one ZIP', () => {
	test.each([
		['the whole site', RANGE],
		['a source filter, compared with the month before', `${RANGE}&source=(direct)&compare=month`],
		[
			'an event filter with a prop, in another zone',
			`${RANGE.replace('UTC', 'America/New_York')}&event=signup&prop=plan%3Dpro`
		],
		// Its totals come from its time series, a totals export's from the range's sums.
		['all time, in another zone', 'site=golden&range=all&tz=Asia/Kolkata']
	])('holds each export, byte for byte as its CSV export, under %s', async (_, query) => {
		const files = await unzipped(await get(`${query}&format=zip`));
		const expected = Object.fromEntries(
			await Promise.all(ZIP_EXPORTS.map((name) => single(query, name)))
		);
		expect(Object.keys(files).sort()).toEqual(Object.keys(expected).sort());
		expect(files).toEqual(expected);
	});

	test('names each file by site, report, range and filter, and the ZIP by the dashboard', async () => {
		const query = `${RANGE}&source=(direct)`;
		const res = await get(`${query}&format=zip`);
		expect(res.headers.get('content-disposition')).toBe(
			'attachment; filename="golden-dashboard-2026-11-01-2026-11-03-source-(direct).zip"'
		);
		const names = Object.keys(await unzipped(res));
		expect(names).toContain('golden-pages-2026-11-01-2026-11-03-source-(direct).csv');
		expect(names).toContain('golden-totals-2026-11-01-2026-11-03-source-(direct).csv');
		expect(names).toContain('golden-timeseries-2026-11-01-2026-11-03-source-(direct).csv');
		expect(names).toContain('golden-goals-2026-11-01-2026-11-03-source-(direct).csv');
		// Journeys and paths are of one page or path, with parameters of their own.
		expect(names.some((name) => /journeys|paths/.test(name))).toBe(false);
	});

	test.each([
		['the whole site', RANGE, 'golden-totals-2026-11-01-2026-11-03.csv'],
		[
			'a page filter, compared with the year before',
			`${RANGE}&page=/&compare=year`,
			'golden-totals-2026-11-01-2026-11-03-page-_.csv'
		]
	])('holds the Overview’s totals and the previous period’s, under %s', async (_, query, file) => {
		const files = await unzipped(await get(`${query}&format=zip`));
		const statsUrl = new URL(`http://localhost/api/v1/stats?${query}`);
		const request = new Request(statsUrl, { headers: { authorization: `Bearer ${token}` } });
		const stats = await (
			await STATS({ url: statsUrl, request, locals: { user: null } } as never)
		).json();
		const columns = Object.keys(stats.totals);
		const line = (...cells: unknown[]) => cells.map((c) => String(c ?? '')).join(',');
		const { previous } = stats;
		expect(files[file]).toBe(
			[
				line('period', 'from', 'to', 'compare', ...columns),
				line(
					'current',
					stats.range.from,
					stats.range.to,
					'',
					...columns.map((c) => stats.totals[c])
				),
				line(
					'previous',
					previous.from,
					previous.to,
					previous.compare,
					...columns.map((c) => previous.totals[c])
				),
				''
			].join('\r\n')
		);
	});

	test('opens to the site’s share link, as the CSV export does', async () => {
		const query = `${RANGE}&share=${SHARE}`;
		const files = await unzipped(await get(`${query}&format=zip`, null));
		const [name, text] = await single(`${RANGE}`, 'pages');
		expect(files[name]).toBe(text);
	});

	test('refuses who the CSV export refuses, with the same status and JSON error', async () => {
		for (const [query, bearer] of [
			[RANGE, null],
			[RANGE, otherToken],
			[RANGE.replace('golden', 'no-such-site'), token]
		] as const) {
			const zip = await get(`${query}&format=zip`, bearer);
			const csv = await get(`${query}&breakdown=pages&format=csv`, bearer);
			expect(zip.status).toBe(csv.status);
			expect(zip.status).toBeGreaterThanOrEqual(401);
			expect(await zip.json()).toEqual(await csv.json());
		}
		expect((await get(`${RANGE}&format=zip`, null)).status).toBe(401);
	});

	test.each([
		[
			'a breakdown named with it',
			`${RANGE}&breakdown=pages&format=zip`,
			/^breakdown "pages" cannot go with format=zip/
		],
		['a bad range', 'site=golden&from=2026-11-05&to=2026-11-01&format=zip', /from/],
		['a parameter only journeys take', `${RANGE}&direction=next&format=zip`, /direction/],
		['a misspelt filter', `${RANGE}&sorce=x&format=zip`, /sorce/],
		[
			'an unknown format',
			`${RANGE}&breakdown=pages&format=tar`,
			/^format "tar" must be csv, json or zip$/
		]
	])('refuses %s with 400 and a JSON error', async (_, query, message) => {
		const res = await get(query);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({
			error: expect.any(String),
			message: expect.stringMatching(message)
		});
	});

	test.each([
		['the whole site', RANGE],
		['a source filter, compared with the month before', `${RANGE}&source=(direct)&compare=month`],
		['all time', 'site=golden&range=all&tz=UTC&compare=days'],
		['a page pattern', `${RANGE}&page=/*`]
	])(
		'reads each view query once for all its exports (the views breakdowns share, the range, the previous period), under %s',
		async (_, query) => {
			const queries: string[] = [];
			await unzipped(await counted(notingViewQueries(couch, queries), `${query}&format=zip`));
			const again = queries.filter((q, i) => queries.indexOf(q) !== i);
			expect(again).toEqual([]);
			// The views of every breakdown, the time series and the goals were read.
			const views = new Set(queries.map((q) => q.split(' ')[0]));
			for (const view of ['metrics', 'pages', 'dimensions', 'event-props', 'scroll']) {
				expect(views, view).toContain(view);
			}
		}
	);

	test('a client gone during the read ends it: 499, and no view read made for it is answered after', async () => {
		// The app's client, whose requests end with their client's (store-dispatch.ts), as
		// hooks.server.ts runs a read.
		const app = createCouch(couchUrl, prefix, 20_000);
		const left = new AbortController();
		let answered = 0;
		const leaving = notingViewQueries(app, [], () => left.abort());
		const server = new Proxy(leaving.server, {
			get(target, key, receiver) {
				if (key !== 'relax') return Reflect.get(target, key, receiver);
				return async (options: Parameters<typeof target.relax>[0]) => {
					const body = await target.relax(options);
					if (left.signal.aborted) answered += 1;
					return body;
				};
			}
		});
		const res = await forClient(left.signal, () =>
			counted({ ...leaving, server }, `${RANGE}&format=zip`, left.signal)
		);
		expect(res.status).toBe(499);
		expect(answered).toBe(0);
	});
});
