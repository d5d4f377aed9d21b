/**
 * `npm run import`: killed halfway and run again, it resumes from its checkpoint and
 * ends with exactly one record per line; re-running stores nothing twice.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { importLines } from '../support/import-lines';
import { runTool } from '../support/scripts';
import { firstAccountFor, tempDir, useCouch } from './harness';

const LINES = 10_000;
let couch: Couch;
let prefix: string;
let url: URL;
let dir: string;
let file: string;
let checkpointId: string;

function runImport(args: string[]) {
	return runTool('import.ts', [file, ...args], {
		COUCHDB_URL: url.toString(),
		COUCHSTATS_DB_PREFIX: prefix,
		COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
		COUCHSTATS_DATA_DIR: dir
	});
}

async function linesDone(): Promise<number> {
	try {
		return ((await couch.events.get(checkpointId)) as unknown as { linesDone: number }).linesDone;
	} catch {
		return 0;
	}
}

async function recordCount(): Promise<number> {
	const body = await couch.events.view('stats', 'timeline', {});
	return (body.rows[0]?.value as number | undefined) ?? 0;
}

beforeAll(async () => {
	({ couch, prefix, url } = await useCouch());
	dir = tempDir('couchstats-import-');
	file = path.join(dir, 'history.ndjson');
	const text = importLines(LINES).join('\n') + '\n';
	fs.writeFileSync(file, text);
	checkpointId = `_local/import-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm run import', () => {
	test('killed halfway and run again, ends with exactly one record per line', async () => {
		const first = runImport(['--site', 'demo', '--no-milestones']);
		let done = 0;
		while (done < 1_500) {
			await new Promise((r) => setTimeout(r, 25));
			done = await linesDone();
		}
		first.child.kill('SIGKILL');
		await first.exit;
		const atKill = await linesDone();
		expect(atKill).toBeGreaterThan(0);
		expect(atKill).toBeLessThan(LINES);
		expect(await recordCount()).toBeLessThan(LINES);

		const second = runImport(['--site', 'demo', '--no-milestones']);
		expect(await second.exit).toBe(0);
		expect(second.stderr()).toContain(`history.ndjson: resuming after line ${atKill} of ${LINES}`);
		expect(second.stderr()).toMatch(/\[#+\] 100% {2}10000\/10000 lines/);
		expect(await linesDone()).toBe(LINES);
		expect(await recordCount()).toBe(LINES);
	});

	test('run again after it finished, does nothing', async () => {
		const again = runImport(['--site', 'demo', '--no-milestones']);
		expect(await again.exit).toBe(0);
		expect(again.stderr()).toContain('all 10000 lines were imported before; nothing to do');
		expect(await recordCount()).toBe(LINES);
	});

	test('sent again from the start with --restart, stores nothing twice', async () => {
		const restart = runImport(['--site', 'demo', '--no-milestones', '--restart']);
		expect(await restart.exit).toBe(0);
		expect(await recordCount()).toBe(LINES);
	});

	test('refuses an unknown site before writing anything', async () => {
		const unknown = runImport(['--site', 'nosuchsite']);
		expect(await unknown.exit).toBe(1);
		expect(unknown.stderr()).toContain('couchstats import: site "nosuchsite" is not registered');
	});

	test('prints its usage for --help, and for an unknown option one line saying so, then the usage', async () => {
		const help = runTool('import.ts', ['--help']);
		expect(await help.exit).toBe(0);
		expect(help.stdout()).toBe(`${USAGE}\n`);
		expect(help.stderr()).toBe('');

		const unknown = runTool('import.ts', ['--bogus', file]);
		expect(await unknown.exit).toBe(2);
		expect(unknown.stderr()).toBe(`couchstats import: unknown option --bogus\n${USAGE}\n`);

		const none = runTool('import.ts', []);
		expect(await none.exit).toBe(2);
		expect(none.stderr()).toBe(`couchstats import: name the file to import\n${USAGE}\n`);
	});
});

const USAGE =
	'usage: npm run import -- FILE.ndjson|FILE.csv [--site ID] [--no-milestones] [--restart]';
