/**
 * `npm run import`: killed halfway and run again, it resumes from its checkpoint and
 * ends with exactly one record per line; re-running stores nothing twice.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import { RETENTION_DESIGN, RETENTION_VIEW } from '../../src/lib/server/import/retention';
import { redact } from '../../src/lib/server/boot/config';
import { RUNNING_FILE } from '../../src/lib/server/boot/startup';
import { ClassicLevel } from 'classic-level';
import { CREDENTIALS_FILE, LOCK_DIR } from '../../src/lib/server/embedded/server';
import { importLines } from '../support/import-lines';
import { runTool } from '../support/scripts';
import { embeddedOnly, firstAccountFor, tempDir, useCouch } from './harness';

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
	const body = await couch.events.view(RETENTION_DESIGN, RETENTION_VIEW, {});
	return (body.rows[0]?.value as number | undefined) ?? 0;
}

beforeAll(async () => {
	({ couch, prefix, url } = await useCouch());
	dir = tempDir('couchstats-import-');
	file = path.join(dir, 'history.ndjson');
	const text = importLines(LINES).join('\n') + '\n';
	fs.writeFileSync(file, text);
	// Per file, target sites and milestone option (scripts/import.ts, checkpointIdOf).
	const key = [createHash('sha256').update(text).digest('hex'), 'demo', '-'].join('\n');
	checkpointId = `_local/import-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
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
		expect(again.stderr()).toContain(
			'all 10000 lines were imported into demo before; nothing to do (--restart to go through them again)'
		);
		expect(await recordCount()).toBe(LINES);
	});

	test('sent again from the start with --restart, stores nothing twice', async () => {
		const restart = runImport(['--site', 'demo', '--no-milestones', '--restart']);
		expect(await restart.exit).toBe(0);
		expect(restart.stderr()).toContain(
			'this run stored 0 records, and found 10000 lines stored before'
		);
		expect(await recordCount()).toBe(LINES);
	});

	test('refuses an unknown site before writing anything, naming the CouchDB it looked in without its password', async () => {
		const unknown = runImport(['--site', 'nosuchsite']);
		expect(await unknown.exit).toBe(1);
		expect(unknown.stderr()).toContain(
			`couchstats import: site "nosuchsite" is not registered in CouchDB at ${redact(url)} (COUCHDB_URL; database prefix "${prefix}"); ${CREATE_IT}`
		);
		expect(url.password).not.toBe('');
		expect(unknown.stderr()).not.toContain(url.password);
	});

	embeddedOnly('it reaches the test store as a running app’s, through its credentials file')(
		'refuses an unknown site naming the running app’s embedded store it looked in',
		async () => {
			const dataDir = tempDir('couchstats-import-app-');
			// A running app holds its data directory's lock (embedded/server.ts).
			const lock = new ClassicLevel(path.join(dataDir, LOCK_DIR));
			await lock.open();
			try {
				// What a running app leaves in its data directory (startup.ts, embedded/server.ts).
				fs.copyFileSync(inject('credentialsFile')!, path.join(dataDir, CREDENTIALS_FILE));
				fs.writeFileSync(
					path.join(dataDir, RUNNING_FILE),
					JSON.stringify({ port: Number(url.port), pid: process.pid })
				);
				const unknown = runTool('import.ts', [file, '--site', 'nosuchsite'], {
					COUCHDB_URL: undefined,
					COUCHSTATS_DB_PREFIX: prefix,
					COUCHSTATS_DATA_DIR: dataDir
				});
				expect(await unknown.exit).toBe(1);
				expect(unknown.stderr()).toContain(
					`couchstats import: site "nosuchsite" is not registered in the running app's embedded store in ${dataDir} (database prefix "${prefix}"); ${CREATE_IT}`
				);
				expect(unknown.stderr()).not.toContain(url.password);
			} finally {
				await lock.close();
				fs.rmSync(dataDir, { recursive: true, force: true });
			}
		}
	);

	test('refuses an unknown site saying it started a store of its own when no app runs on the data directory', async () => {
		const dataDir = tempDir('couchstats-import-own-');
		try {
			const unknown = runTool('import.ts', [file, '--site', 'nosuchsite'], {
				COUCHDB_URL: undefined,
				COUCHSTATS_DB_PREFIX: prefix,
				COUCHSTATS_ADMIN_NAME: firstAccountFor(prefix),
				COUCHSTATS_DATA_DIR: dataDir,
				COUCHSTATS_MEMORY: '1'
			});
			expect(await unknown.exit).toBe(1);
			expect(unknown.stderr()).toContain(
				`couchstats import: site "nosuchsite" is not registered in the embedded store in ${dataDir} (database prefix "${prefix}"), started by this tool as no app is running on it; ${CREATE_IT}`
			);
			const credentials = JSON.parse(
				fs.readFileSync(path.join(dataDir, CREDENTIALS_FILE), 'utf8')
			) as { password: string };
			expect(unknown.stderr()).not.toContain(credentials.password);
		} finally {
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	});

	test('prints its usage for --help, and for an unknown option one line saying so, then the usage', async () => {
		const help = runTool('import.ts', ['--help']);
		expect(await help.exit).toBe(0);
		// The options are explained after the usage line (import-checks.test.ts).
		expect(help.stdout().split('\n')[0]).toBe(USAGE_LINE);
		expect(help.stderr()).toBe('');
		const usage = help.stdout().trimEnd();

		const unknown = runTool('import.ts', ['--bogus', file]);
		expect(await unknown.exit).toBe(2);
		expect(unknown.stderr()).toBe(`couchstats import: unknown option --bogus\n${usage}\n`);

		const none = runTool('import.ts', []);
		expect(await none.exit).toBe(2);
		expect(none.stderr()).toBe(`couchstats import: name the file to import\n${usage}\n`);
	});
});

const CREATE_IT =
	'create it first (its time zone decides "first of day"), or point COUCHSTATS_DATA_DIR or COUCHDB_URL at the store of the app that has it';

const USAGE_LINE =
	'usage: npm run import -- FILE.ndjson|FILE.csv [--site ID] [--no-milestones] [--restart]';
