/**
 * A dashboard's live refresh on the built app, asked for exactly as SvelteKit's client
 * asks for it: a live push calls `invalidate('couchstats:stats')`, and the client then
 * fetches `__data.json` with `x-sveltekit-invalidated` naming the server loads that
 * depend on that key (from the `uses` the first answer reported), and the server runs
 * those loads only. Journeys and paths walk many rows: no load a live push re-runs may
 * read them, and the load that reads them re-runs when their own query parameters
 * change. Owner dashboard and share link alike.
 */
import { unflatten } from 'devalue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { enableShareLink } from '../../src/lib/server/accounts/site-admin';
import { DASHBOARD_KEYS } from '../../src/lib/stats/dashboard-keys';
import { ADMIN_PASSWORD, type RunningApp } from '../support/app';
import { postLogin, startApp } from './harness';

/** One server load's answer in `__data.json`. */
interface DataNode {
	type: 'data' | 'skip';
	data?: unknown[];
	uses?: { dependencies?: string[]; search_params?: string[]; url?: 1 };
}

let app: RunningApp;
let cookie = '';
let secret = '';

beforeAll(async () => {
	app = await startApp();
	const login = await postLogin(app.url, app.adminName, ADMIN_PASSWORD);
	expect(login.status).toBe(303);
	cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	const admin = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	secret = await enableShareLink(createCouch(app.couchUrl!, app.prefix), admin, 'demo');
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

const QUERY = 'range=7d&journey=%2F&step=%2F';

/** The page's server loads, as the client asks for them (`invalidated`: one 0/1 per node). */
async function nodes(path: string, invalidated?: string): Promise<DataNode[]> {
	const ask = invalidated === undefined ? '' : `&x-sveltekit-invalidated=${invalidated}`;
	const res = await fetch(`${app.url}${path}/__data.json?${QUERY}${ask}`, {
		headers: { cookie }
	});
	expect(res.status, await res.clone().text()).toBe(200);
	const body = (await res.json()) as { type: string; nodes: (DataNode | null)[] };
	expect(body.type).toBe('data');
	return body.nodes.map((node) => node ?? { type: 'skip' });
}

/** The dashboard sections a node's data holds (in `dashboard` or `walks`). */
function sectionsOf(node: DataNode): string[] {
	if (node.type !== 'data') return [];
	const data = unflatten(node.data!) as Record<string, Record<string, unknown>>;
	return ['dashboard', 'walks'].flatMap((key) => Object.keys(data[key] ?? {}));
}

describe.each([
	['the owner dashboard', () => '/sites/demo'],
	['a share link’s dashboard', () => `/share/${secret}`]
])('%s', (_name, path) => {
	test('a live push re-runs the loads of the live sections, never the journeys and paths', async () => {
		const first = await nodes(path());
		const all = first.flatMap(sectionsOf);
		expect(all).toEqual(expect.arrayContaining(['totals', 'activeNow', 'journeys', 'paths']));

		const live = first.map((n) => n.uses?.dependencies?.includes(DASHBOARD_KEYS.live) ?? false);
		expect(live.filter(Boolean)).toHaveLength(1);
		const again = await nodes(path(), live.map((on) => (on ? '1' : '0')).join(''));
		// The loads not asked for are skipped; the live one read the headline again.
		expect(again.map((n, i) => n.type === 'data' && live[i])).toEqual(
			again.map((n) => n.type === 'data')
		);
		const reread = again.flatMap(sectionsOf);
		expect(reread).toEqual(expect.arrayContaining(['totals', 'activeNow', 'breakdowns']));
		expect(reread).not.toContain('journeys');
		expect(reread).not.toContain('paths');
	});

	test('journeys and paths are read again when their own query parameters change', async () => {
		const first = await nodes(path());
		const walks = first.find((n) => sectionsOf(n).includes('journeys'))!;
		expect(walks.uses?.dependencies ?? []).not.toContain(DASHBOARD_KEYS.live);
		expect(walks.uses?.dependencies).toContain(DASHBOARD_KEYS.walks);
		expect(walks.uses?.search_params).toEqual(
			expect.arrayContaining(['range', 'journey', 'step', 'page', 'source'])
		);
		// ...and choosing a journey page or a path's step re-runs no live load.
		const live = first.find((n) => n.uses?.dependencies?.includes(DASHBOARD_KEYS.live))!;
		expect(live.uses?.url).toBeUndefined();
		expect(live.uses?.search_params).not.toContain('journey');
		expect(live.uses?.search_params).not.toContain('step');
	});
});
