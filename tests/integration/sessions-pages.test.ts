/**
 * The session list page (src/lib/server/sessions/pages.ts) over more sessions than one page
 * holds: its "Older sessions" link (`nextSessionsQuery`) reads the next page. It gave the
 * preset with the dates, which the page refuses, so the link answered with the refusal
 * (found by a helper checking the sessions cursor).
 */
import { beforeAll, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { readSessionsPage } from '../../src/lib/server/sessions/pages';
import { nextSessionsQuery } from '../../src/lib/stats/sessions';
import { importedSite } from './harness';

const SITE = 'many-sessions';
const site = { id: SITE, name: SITE, timeZone: 'UTC' };
const NOW = Date.UTC(2026, 10, 12, 12);
let couch: Couch;

beforeAll(async () => {
	const lines = ['timestamp,path,session_id,visitor_id,utm_source'];
	for (let n = 0; n < 105; n++) {
		const at = new Date(Date.UTC(2026, 10, 10, 8, n)).toISOString();
		lines.push(`${at},/${n},s${n},v${n},${n % 2 ? 'news' : ''}`);
	}
	({ couch } = await importedSite(SITE, lines));
});

test.each([
	['range=7d&tz=UTC', 50],
	['range=7d&tz=UTC&source=news', 2]
])('the next page of %s holds %i sessions the first left out', async (query, rest) => {
	const first = await readSessionsPage(couch, site, new URLSearchParams(query), NOW, false);
	if ('problem' in first.list) throw new Error(first.list.problem);
	expect(first.list.sessions).toHaveLength(50);
	expect(first.list.next).toEqual(expect.any(String));
	const query2 = nextSessionsQuery(first, first.list.next!);
	const next = await readSessionsPage(couch, site, query2, NOW, false);
	if ('problem' in next.list) throw new Error(next.list.problem);
	expect(next.filter).toEqual(first.filter);
	const sids = [...first.list.sessions, ...next.list.sessions].map((s) => s.sid);
	expect(next.list.sessions).toHaveLength(rest);
	expect(new Set(sids).size).toBe(50 + rest);
});
