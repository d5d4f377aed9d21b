/**
 * `npm run import` against the store: a line the store would refuse is refused in the
 * check pass, with its line number, before anything is written (O2); the same history
 * written in another form is stored once, as is a file imported before the ids came from
 * the lines' meaning (O3); the checkpoint is per file and target site (O6); lines whose
 * records were deleted before are counted and said, not reported as sent (O7); empty
 * and header-only files are refused and line counts leave the CSV header out (O4).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { User } from '../../src/lib/server/accounts/auth';
import { createSite } from '../../src/lib/server/accounts/site-admin';
import { deleteSiteRecords } from '../../src/lib/server/accounts/site-records';
import type { Couch } from '../../src/lib/server/couch';
import { Classifier, LineParser, MAX_LINE } from '../../src/lib/server/import/backfill';
import { importLines } from '../support/import-lines';
import { runTool } from '../support/scripts';
import { cuttingProxy } from '../support/store-proxy';
import { firstAccountFor, importedRecords, storeRecords, tempDir, useCouch } from './harness';
import { STACK_LINE } from '../support/app';

let couch: Couch;
let prefix: string;
let url: URL;
let dir: string;
const admin: User = { name: 'admin', roles: [], isAdmin: true };

beforeAll(async () => {
	({ couch, prefix, url } = await useCouch());
	dir = tempDir('couchstats-import-checks-');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `lines` to `name` in the test's directory and returns its path. */
function write(name: string, lines: string[]): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
	return file;
}

function runImport(file: string, args: string[]) {
	return runTool('import.ts', [file, ...args], {
		COUCHDB_URL: url.toString(),
		COUCHSTATS_DB_PREFIX: prefix,
		COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
		COUCHSTATS_DATA_DIR: dir
	});
}

async function addSite(id: string) {
	await createSite(couch, admin, {
		id,
		name: id,
		hostnames: [`${id}.example`],
		timeZone: 'UTC'
	});
}

/** The live records of `site`, as stored: read by id, so nothing waits for an index. */
async function stored(site: string): Promise<Record<string, unknown>[]> {
	const body = await couch.events.list({ include_docs: true });
	return body.rows
		.map((row) => row.doc as unknown as Record<string, unknown>)
		.filter((doc) => doc && doc.site === site);
}

describe('npm run import checks every line before writing', () => {
	test.each([
		[
			'1969-12-31T00:00:00Z',
			'is before 1970-01-01T00:00:00.000Z, the earliest time couchstats stores'
		],
		[
			'0001-01-01T00:00:00Z',
			'is before 1970-01-01T00:00:00.000Z, the earliest time couchstats stores'
		],
		['9999-12-31T23:00:00Z', 'is in the future: after '],
		// Read in the importing machine's zone, it landed hours apart on two machines.
		['2026-11-22T10:02:00', 'has no offset'],
		['2026-02-29T10:02:00Z', 'names a day the calendar does not have'],
		[new Date(Date.now() + 86_400_000).toISOString(), 'is in the future: after ']
	])('refuses a line dated %s with its line number, and writes nothing', async (time, problem) => {
		const site = `times-${Math.random().toString(36).slice(2, 8)}`;
		await addSite(site);
		const file = write(`${site}.csv`, [
			'timestamp,path,visitor_id',
			'2026-11-22T10:00:00Z,/partial1,vp1',
			'2026-11-22T10:01:00Z,/partial2,vp2',
			`${time},/bad,vp3`
		]);
		const run = runImport(file, ['--site', site]);
		expect(await run.exit).toBe(1);
		expect(await stored(site)).toEqual([]);
		expect(run.stderr()).toContain(`couchstats import: line 4: timestamp ${problem}`);
		expect(run.stderr()).toContain(`(got "${time}")`);
	});
});

describe('npm run import refuses a line of a host its site does not list', () => {
	test('stores the other lines and counts the refused ones in its summary, with their reason', async () => {
		// A review: an import kept any hostname, where the ingest refuses such a page.
		const site = `hosts-${Math.random().toString(36).slice(2, 8)}`;
		await addSite(site);
		const file = write(`${site}.csv`, [
			'timestamp,path,hostname,visitor_id',
			`2026-11-22T10:00:00Z,/,${site}.example,v1`,
			'2026-11-22T10:01:00Z,/,staging.example,v1',
			'2026-11-22T10:02:00Z,/a,staging.example,v2'
		]);
		const run = runImport(file, ['--site', site, '--no-milestones']);
		expect(await run.exit).toBe(0);
		expect((await stored(site)).map((r) => r.host)).toEqual([`${site}.example`]);
		expect(run.stderr()).toContain("2 lines refused for their page's host");
		expect(run.stderr()).toContain(
			`couchstats import: warning: ${site}.csv: 2 lines refused, not stored (line 3, 4): site "${site}" does not list the host staging.example: add it to its host names in the site's settings`
		);
	});
});

describe('npm run import refuses a line too long or nested too deep, naming it, without holding it whole', () => {
	test.each([
		[
			'a line of 10 MB',
			`{"timestamp":"2026-11-22T10:00:00Z","path":"/${'x'.repeat(10_000_000)}","visitor_id":"v1"}`,
			`is longer than ${MAX_LINE} characters`
		],
		[
			'props nested 200,000 deep',
			`{"timestamp":"2026-11-22T10:00:00Z","path":"/","visitor_id":"v1","props":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
			'is nested more than 8 levels deep'
		]
	])('%s', async (_name, line, problem) => {
		// An outside probe: a 100 MB line took 1.5 GB, deep props ended in a stack trace.
		const site = `hostile-${Math.random().toString(36).slice(2, 8)}`;
		await addSite(site);
		const file = write(`${site}.ndjson`, [
			'{"timestamp":"2026-11-22T09:00:00Z","path":"/ok","visitor_id":"v0"}',
			line
		]);
		const run = runImport(file, ['--site', site]);
		expect(await run.exit).toBe(1);
		expect(run.stderr()).toContain(`couchstats import: line 2: ${problem}`);
		expect(run.stderr()).not.toContain('    at ');
		expect(await stored(site)).toEqual([]);
	});
});

describe('npm run import stores the same history once, however it is written', () => {
	test('in another key order, as CSV with props as text, or as NDJSON with props as an object', async () => {
		await addSite('forms');
		const ndjson = write('ord1.ndjson', [
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/a","visitor_id":"o1"}',
			'{"timestamp":"2026-11-01T10:01:00Z","path":"/b","visitor_id":"o1","event":"signup","props":{"plan":"pro","n":2}}'
		]);
		const reordered = write('ord2.ndjson', [
			'{"visitor_id":"o1","timestamp":"2026-11-01T10:00:00Z","path":"/a"}',
			'{"props":{"n":2,"plan":"pro"},"visitor_id":"o1","path":"/b","event":"signup","timestamp":"2026-11-01T10:01:00Z"}'
		]);
		const csv = write('ord3.csv', [
			'visitor_id,timestamp,path,event,props',
			'o1,2026-11-01T10:00:00Z,/a,,',
			'o1,2026-11-01T10:01:00Z,/b,signup,"{""plan"":""pro"",""n"":2}"'
		]);
		const first = runImport(ndjson, ['--site', 'forms']);
		expect(await first.exit).toBe(0);
		const once = await stored('forms');
		// The event is an action: its session is no bounce (a milestone).
		expect(once.map((r) => r.type).sort()).toEqual(['event', 'milestone', 'pageview']);
		for (const file of [reordered, csv]) {
			const again = runImport(file, ['--site', 'forms']);
			expect(await again.exit).toBe(0);
			expect((await stored('forms')).map((r) => r._id).sort()).toEqual(
				once.map((r) => r._id).sort()
			);
			expect(again.stderr()).toContain(
				'this run stored 0 records, and found 2 lines stored before'
			);
		}
	});

	test('stores nothing twice from a file imported before the ids came from what each line means', async () => {
		await addSite('legacy');
		const lines = [
			'{"timestamp":"2026-11-01T10:00:00Z","path":"/a","visitor_id":"l1"}',
			'{"timestamp":"2026-11-01T10:01:00Z","path":"/b","visitor_id":"l1","event":"signup"}',
			'{"timestamp":"2026-11-01T10:01:30Z","type":"heartbeat","path":"/b","visitor_id":"l1","engaged_ms":12000}'
		];
		const file = write('legacy.ndjson', lines);
		// What the importer stored before: the line's record under its byte-derived id.
		const parser = new LineParser();
		const classifier = new Classifier({
			defaultSite: 'legacy',
			timeZoneOf: () => 'UTC',
			receivedAt: Date.now()
		});
		const before = lines.flatMap((line, i) => {
			const { records, legacy } = classifier.classifyLine(parser.parse(line, i + 1)!, i + 1);
			return records.map((r) =>
				r._id === legacy!.of
					? { ...r, _id: legacy!.id, _rev: `1-${legacy!.id.replaceAll('-', '')}` }
					: r
			);
		});
		const written = await couch.events.bulk({ docs: before, new_edits: false });
		expect(written.filter((r) => 'error' in r && r.error)).toEqual([]);
		const ids = (await stored('legacy')).map((r) => r._id).sort();
		expect(ids).toHaveLength(before.length);

		const run = runImport(file, ['--site', 'legacy']);
		expect(await run.exit).toBe(0);
		expect(run.stderr()).toContain('this run stored 0 records, and found 3 lines stored before');
		expect((await stored('legacy')).map((r) => r._id).sort()).toEqual(ids);
	});
});

describe('npm run import keeps a checkpoint per file and target site', () => {
	test('imports a file into a second site after the first', async () => {
		await addSite('first');
		await addSite('second');
		const file = write('two-sites.csv', [
			'timestamp,path,visitor_id',
			'2026-11-01T10:00:00Z,/a,t1',
			'2026-11-01T10:02:00Z,/b,t1'
		]);
		const one = runImport(file, ['--site', 'first', '--no-milestones']);
		expect(await one.exit).toBe(0);
		const two = runImport(file, ['--site', 'second', '--no-milestones']);
		expect(await two.exit).toBe(0);
		expect((await stored('second')).map((r) => r.path).sort()).toEqual(['/a', '/b']);
		expect(two.stderr()).toContain(
			'two-sites.csv: 2 lines (after the CSV header), 2 records in all (2 pageviews, 0 events, 0 heartbeats, 0 milestones); this run stored 2 records (2 pageviews, 0 events, 0 heartbeats, 0 milestones)'
		);
		// The progress counts the same lines (an outside review: it said 3/3).
		expect(two.stderr()).toMatch(/100% {2}2\/2 lines /);

		const again = runImport(file, ['--site', 'first', '--no-milestones']);
		expect(await again.exit).toBe(0);
		expect(again.stderr()).toContain(
			'two-sites.csv: all 2 lines (after the CSV header) were imported into first before; nothing to do (--restart to go through them again)'
		);
	});
});

describe('npm run import says what turned its lines into records', () => {
	test('a page seen again within 30 minutes is left out, and the milestones are added', async () => {
		await addSite('summary');
		// /a again a minute later: the same pageview (the tracker would not record it);
		// 15 s engaged on /b: the session becomes actual and engaged (two milestones).
		const file = write('summary.csv', [
			'timestamp,type,path,visitor_id,engaged_ms',
			'2026-11-01T10:00:00Z,pageview,/a,s1,',
			'2026-11-01T10:01:00Z,pageview,/a,s1,',
			'2026-11-01T10:02:00Z,pageview,/b,s1,',
			'2026-11-01T10:02:15Z,heartbeat,/b,s1,15000'
		]);
		const run = runImport(file, ['--site', 'summary']);
		expect(await run.exit).toBe(0);
		const records = await stored('summary');
		const milestones = records.filter((r) => r.type === 'milestone').length;
		expect(milestones).toBeGreaterThan(0);
		expect(records).toHaveLength(3 + milestones);
		const types = `2 pageviews, 0 events, 1 heartbeat, ${milestones} milestones`;
		expect(run.stderr()).toContain(
			`summary.csv: 4 lines (after the CSV header), ${3 + milestones} records in all (${types}; 1 line left out as a page seen again within 30 minutes in its session); this run stored ${3 + milestones} records (${types}), and found 0 lines stored before`
		);
		expect(run.stderr()).not.toContain('warning');
	});

	test('warns when a file gave no pageviews at all', async () => {
		// An outside probe's 7,770 lines made 0 pageviews, and the summary did not say.
		await addSite('nopageviews');
		const file = write('beats.csv', [
			'timestamp,type,path,visitor_id,engaged_ms,event',
			'2026-11-01T10:00:00Z,heartbeat,/a,n1,15000,',
			'2026-11-01T10:00:10Z,event,/a,n1,,signup'
		]);
		const run = runImport(file, ['--site', 'nopageviews']);
		expect(await run.exit).toBe(0);
		expect(run.stderr()).toContain(
			'records in all (0 pageviews, 1 event, 1 heartbeat, 3 milestones); this run stored 5 records'
		);
		expect(run.stderr()).toContain(
			'couchstats import: warning: beats.csv gave no pageviews, so the dashboard counts no pageview, session or visitor of it. A line is a pageview when its type is pageview, or when it has neither a type nor an event; a heartbeat needs the type heartbeat.'
		);
	});
});

describe('npm run import counts the values it cut to the ingest limits', () => {
	test('each field past its limit is counted in the summary, and stored cut', async () => {
		// probe46a F9: a 3,000-character path, a 400-character title, a long referrer and
		// utm_source, a 70-character event name, 20 props (one null, one of 300 characters):
		// all stored cut, and the summary said nothing.
		await addSite('cuts');
		const props = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, `v${i}`]));
		props.p1 = 'x'.repeat(300);
		(props as Record<string, unknown>).p2 = null;
		const file = write('cuts.ndjson', [
			JSON.stringify({
				timestamp: '2026-11-01T10:00:00Z',
				visitor_id: 'c1',
				path: '/' + 'a'.repeat(2999),
				title: 't'.repeat(400),
				referrer: 'https://ref.example/' + 'r'.repeat(1000),
				utm_source: 's'.repeat(200)
			}),
			JSON.stringify({
				timestamp: '2026-11-01T10:00:05Z',
				visitor_id: 'c1',
				path: '/short',
				event: 'e'.repeat(70),
				props
			})
		]);
		const run = runImport(file, ['--site', 'cuts', '--no-milestones']);
		expect(await run.exit).toBe(0);
		expect(run.stderr()).toContain(
			'cuts.ndjson: values in the file longer (or more) than a record keeps, stored cut to the ingest\'s limits (README "Importing history"): paths cut to 512 characters: 1; titles cut to 256 characters: 1; referrers cut to 512 characters: 1; UTM values cut to 128 characters: 1; event names cut to 64 characters: 1; props left out past 16 on an event: 4; prop values cut to 256 characters: 1; props left out as neither text, number nor true/false: 1'
		);
		const records = await stored('cuts');
		const view = records.find((r) => r.type === 'pageview')!;
		expect(view.path).toHaveLength(512);
		expect((view as { title?: string }).title).toHaveLength(256);
		const event = records.find((r) => r.type === 'event') as { name: string; props: object };
		expect(event.name).toHaveLength(64);
		expect(Object.keys(event.props)).toHaveLength(15);
	});

	test('says nothing of cuts when no value was past its limit', async () => {
		await addSite('nocuts');
		const file = write('nocuts.csv', ['timestamp,path,visitor_id', '2026-11-01T10:00:00Z,/a,n1']);
		const run = runImport(file, ['--site', 'nocuts']);
		expect(await run.exit).toBe(0);
		expect(run.stderr()).not.toContain('cut to');
	});
});

describe('npm run import of pageview lines with engaged_ms and no type', () => {
	const lines = [
		'timestamp,path,visitor_id,engaged_ms',
		'2026-11-01T10:00:00Z,/,ga1,4000',
		'2026-11-01T10:01:00Z,/pricing,ga1,9000',
		'2026-11-01T10:02:00Z,/docs,ga1,2000',
		'2026-11-01T11:00:00Z,/,ga2,3000'
	];

	test('stores them as pageviews with their engaged time in heartbeats', async () => {
		// An outside probe: taken for heartbeats, 7,770 such lines made 0 pageviews, 0 sessions.
		await addSite('derived');
		const run = runImport(write('derived.csv', lines), ['--site', 'derived']);
		expect(await run.exit).toBe(0);
		const records = await stored('derived');
		expect(records.filter((r) => r.type === 'pageview')).toHaveLength(4);
		expect(records.filter((r) => r.type === 'heartbeat').map((r) => r.engagedMs)).toEqual(
			expect.arrayContaining([4000, 9000, 2000, 3000])
		);
		expect(run.stderr()).toContain(
			'this run stored 11 records (4 pageviews, 0 events, 4 heartbeats, 3 milestones)'
		);
		expect(run.stderr()).not.toContain('warning');
	});

	test('imported before as heartbeats only, a file gets its pageviews and its engaged time no second time, and is told so', async () => {
		await addSite('guessed');
		// What the importer before stored of it: each line as a heartbeat (its milestones too).
		const asHeartbeats = lines.map((line, i) =>
			i === 0 ? line.replace(',path', ',type,path') : line.replace(',/', ',heartbeat,/')
		);
		const before = importedRecords(asHeartbeats, { site: 'guessed' });
		expect(before.map((r) => r.type)).toEqual([
			...['heartbeat', 'heartbeat', 'milestone', 'milestone', 'heartbeat', 'heartbeat']
		]);
		await storeRecords(couch, before);

		const run = runImport(write('guessed.csv', lines), ['--site', 'guessed']);
		expect(await run.exit).toBe(0);
		const records = await stored('guessed');
		const heartbeats = records.filter((r) => r.type === 'heartbeat');
		expect(heartbeats.map((r) => r._id).sort()).toEqual(
			before
				.filter((r) => r.type === 'heartbeat')
				.map((r) => r._id)
				.sort()
		);
		expect(records.filter((r) => r.type === 'pageview')).toHaveLength(4);
		expect(run.stderr()).toContain(
			'couchstats import: warning: guessed.csv: 4 pageview lines with engaged_ms and no type had been imported before as heartbeats only'
		);
	});

	test('a line of engaged_ms 0, imported before as a heartbeat of 0 ms, is told so too', async () => {
		await addSite('guessed0');
		const zero = ['timestamp,path,visitor_id,engaged_ms', '2026-11-01T10:00:00Z,/,z1,0'];
		const before = importedRecords(
			[zero[0].replace(',path', ',type,path'), zero[1].replace(',/', ',heartbeat,/')],
			{ site: 'guessed0' }
		);
		expect(before).toMatchObject([{ type: 'heartbeat', engagedMs: 0 }]);
		expect(before).toHaveLength(1);
		await storeRecords(couch, before);

		const run = runImport(write('guessed0.csv', zero), ['--site', 'guessed0']);
		expect(await run.exit).toBe(0);
		expect((await stored('guessed0')).map((r) => r.type).sort()).toEqual(['heartbeat', 'pageview']);
		expect(run.stderr()).toContain(
			'couchstats import: warning: guessed0.csv: 1 pageview line with engaged_ms and no type had been imported before as heartbeats only'
		);
	});
});

describe('npm run import says which lines it could not store because they were deleted before', () => {
	test('a deleted site’s export, imported into a site of the same id, is counted as not stored and exits 3; into a new id it is stored', async () => {
		await addSite('gone');
		const file = write('gone.csv', [
			'timestamp,path,visitor_id',
			'2026-11-01T10:00:00Z,/a,g1',
			'2026-11-01T10:02:00Z,/b,g1',
			'2026-11-01T10:03:00Z,/a,g2'
		]);
		expect(await runImport(file, ['--site', 'gone']).exit).toBe(0);
		const records = await stored('gone');
		// Two pageviews and a non-bounce milestone of g1, a pageview of g2.
		expect(records).toHaveLength(4);
		const exportFile = write(
			'gone-records.ndjson',
			records.map(({ _rev, ...record }) => (void _rev, JSON.stringify(record)))
		);
		expect(await deleteSiteRecords(couch, 'gone')).toBe(4);

		for (const [source, args] of [
			[exportFile, ['--site', 'gone']],
			[file, ['--site', 'gone', '--restart']]
		] as const) {
			const run = runImport(source, [...args]);
			expect(await stored('gone')).toEqual([]);
			expect(await run.exit).toBe(3);
			expect(run.stderr()).toMatch(/this run stored 0 records, and found 0 lines stored before/);
			expect(run.stderr()).toContain(
				`${path.basename(source)}: ${source === file ? 3 : 4} lines were NOT stored: records with the same ids were deleted from gone before (the site was deleted, retention removed them, or a visitor erased them), and a deleted record's id cannot be stored again. To keep these lines, import the file into a new site id (--site NEW).`
			);
		}

		await addSite('gone-again');
		const restored = runImport(exportFile, ['--site', 'gone-again']);
		expect(await restored.exit).toBe(0);
		expect(restored.stderr()).toContain('this run stored 4 records');
		expect(await stored('gone-again')).toHaveLength(4);
	});
});

describe('npm run import on a file without rows', () => {
	test.each([
		['empty.csv', [], 'empty.csv is empty: nothing to import'],
		['blank.ndjson', ['', ''], 'blank.ndjson is empty: nothing to import'],
		[
			'header.csv',
			['timestamp,path,visitor_id'],
			'header.csv has a CSV header but no rows: nothing to import'
		]
	])('refuses %s before connecting', async (name, lines, message) => {
		const run = runImport(write(name, lines), ['--site', 'demo']);
		expect(await run.exit).toBe(1);
		expect(run.stderr()).toBe(`couchstats import: ${message}\n`);
	});

	test('explains its options for --help', async () => {
		const help = runTool('import.ts', ['--help']);
		expect(await help.exit).toBe(0);
		expect(help.stdout()).toContain('--restart        ignore the checkpoint');
		expect(help.stdout()).toContain('--no-milestones  do not add');
		expect(help.stdout()).toContain('Exit status: 0 done');
		expect(help.stdout()).toContain('A line is a pageview unless its type column says event');
	});
});

describe('npm run import when the store stops answering midway', () => {
	test('says so in one line, keeps what it stored, and resumes when run again', async () => {
		// An outside operations review: the importer printed nano's stack trace, nothing
		// about what was kept or what to do.
		await addSite('cut');
		const file = write('cut.ndjson', importLines(1_400));
		// A proxy in front of the store that cuts every connection after two chunks were stored.
		const proxy = await cuttingProxy(url, 2);
		try {
			const cut = proxy.url;
			const first = runTool('import.ts', [file, '--site', 'cut', '--no-milestones'], {
				COUCHDB_URL: cut.toString(),
				COUCHSTATS_DB_PREFIX: prefix,
				COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
				COUCHSTATS_DATA_DIR: dir
			});
			expect(await first.exit).toBe(1);
			expect(first.stderr()).toMatch(
				/couchstats import: the store stopped answering \(.+\); every chunk stored before is kept: start the store again and run the same command to resume\n$/
			);
			expect(first.stderr()).not.toMatch(STACK_LINE);
		} finally {
			await proxy.close();
		}
		expect(await stored('cut')).toHaveLength(1_000);

		const second = runImport(file, ['--site', 'cut', '--no-milestones']);
		expect(await second.exit).toBe(0);
		expect(second.stderr()).toContain('cut.ndjson: resuming after line 1000 of 1400');
		expect(second.stderr()).toContain('this run, resuming after line 1000, stored 400 records');
		expect(await stored('cut')).toHaveLength(1_400);
	});
});
