/**
 * An upgrade that changes the stats views (boot/staged-designs.ts): set-up stages the
 * new `_design/stats` beside the live one, which keeps serving; while it is staged the
 * Stats API reads the live index, a previous version's, with the buckets every version
 * keeps, and its numbers stay exact; once the staged index is built it becomes the live
 * one. The previous version here is this one without weeks and years, as before
 * 5cd6523: a read of this version's year buckets in its index finds nothing.
 */
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import { readDesignDocs, type DesignSource } from '../../src/lib/server/boot/design-docs';
import { ensureSetup } from '../../src/lib/server/boot/setup';
import { promoteStaged, stagedDesignId } from '../../src/lib/server/boot/staged-designs';
import { readStats } from '../../src/lib/server/stats/read-stats';
import { createViewReader } from '../../src/lib/server/stats/view-reader';
import { readLatestRecords } from '../../src/lib/server/sessions/latest-records';
import { entryPageview } from '../support/golden';
import {
	TEST_ADMIN_PASSWORD,
	firstAccountFor,
	freshPrefix,
	indexed,
	storeRecords
} from './harness';

const SITE = 'upgrade';

/** One entry pageview of a new visitor at each instant, each on its own path. */
const INSTANTS = [
	['/a', '2024-12-31T23:59:59.999Z'],
	['/b', '2025-01-01T00:00:00.000Z'],
	['/c', '2025-06-15T12:00:00.000Z'],
	['/d', '2025-12-31T23:59:59.999Z'],
	['/e', '2026-01-01T00:00:00.000Z']
] as const;

const records = () =>
	INSTANTS.map(([path, iso], i) =>
		entryPageview(SITE, Date.parse(iso), i, `visitor-upgrade-${i}`, path)
	);

/** The design documents of this version, with `_design/stats` as it was without weeks and years. */
function previousVersion(): Record<string, DesignSource[]> {
	const designs = readDesignDocs();
	let changed = 0;
	designs.events = designs.events.map((design) => {
		if (design._id !== '_design/stats') return design;
		const views = Object.fromEntries(
			Object.entries(design.views!).map(([name, view]) => {
				const map = view.map
					.replace(/\['w', monday\.slice\(0, 10\)\],\s*/, '')
					.replace(/,\s*\['y', iso\.slice\(0, 4\)\]/, '');
				if (map !== view.map) changed += 1;
				return [name, { ...view, map }];
			})
		);
		return { ...design, views };
	});
	// The six views that keep weeks and years (buckets.ts MANY_KEYS_VIEWS).
	expect(changed).toBe(6);
	// Nor had it the `latest` view (1c32cba), which every dashboard read reads.
	for (const design of designs.events) {
		if (design._id === '_design/stats') delete design.views!.latest;
	}
	return designs;
}

let couch: Couch;
let prefix: string;

const setup = (designs?: Record<string, DesignSource[]>) =>
	ensureSetup(couch, {
		adminPassword: TEST_ADMIN_PASSWORD,
		adminName: firstAccountFor(prefix),
		designs: designs as never
	});

const year2025 = async () => {
	const stats = await readStats(couch, {
		site: SITE,
		range: { from: '2025-01-01', to: '2025-12-31', tz: 'UTC' },
		interval: 'month',
		limit: 20
	});
	return {
		pageviews: stats.totals.pageviews,
		paths: stats.breakdowns.pages.map((p: { path: string }) => p.path).sort()
	};
};

/** The live index's pages of 2025 by the year bucket (summed), read as they stand. */
const yearRows = async () =>
	(
		await couch.events.view('stats', 'pages', {
			startkey: [SITE, 'y', '2025'],
			endkey: [SITE, 'y', '2025', {}],
			stale: 'ok'
		})
	).rows;

beforeAll(async () => {
	prefix = freshPrefix();
	couch = createCouch(new URL(inject('couchUrl')), prefix);
	await setup(previousVersion());
	await storeRecords(couch, records());
	await indexed(couch);
});

describe('an upgrade that changes the stats views', () => {
	test('reads exact numbers from the previous index while the new one builds, then goes live', async () => {
		// The previous index has no year rows: a read of them would count nothing.
		expect(await yearRows()).toEqual([]);

		const staged = { db: couch.names.events, id: '_design/stats' };
		const upgrade = await setup();
		expect(upgrade.stagedDesigns).toEqual([staged]);
		expect(upgrade.deployedDesigns).toEqual([
			`${couch.names.events}/${stagedDesignId('_design/stats')}`
		]);
		const expected = { pageviews: 3, paths: ['/b', '/c', '/d'] };
		expect(await year2025()).toEqual(expected);
		// A view only the new version has is read from the staged index as far as it is
		// built (an outside operations review: every dashboard answered 500 meanwhile).
		const reader = createViewReader(couch);
		const latest = await readLatestRecords(reader, SITE, Date.parse('2026-01-01T00:00:10Z'));
		expect(reader.indexing).toBe(true);
		// At most the two pageviews of the 30 minutes before, as far as the staged index holds.
		for (const record of latest) expect(['/d', '/e']).toContain(record.path);

		expect(await promoteStaged(couch, staged)).toBe(true);
		await indexed(couch);
		expect(await yearRows()).toEqual([{ key: null, value: [3, 3, 0, 3, 0] }]);
		expect(await year2025()).toEqual(expected);
		expect(await setup()).toMatchObject({ deployedDesigns: [], stagedDesigns: [] });
	});
});
