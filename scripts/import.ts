/**
 * `npm run import -- FILE [--site ID] [--no-milestones] [--restart]`
 *
 * Imports historical records from NDJSON or CSV (columns in src/lib/server/stats/
 * backfill.ts and the README) in chunks of 500 lines through `_bulk_docs` with
 * `new_edits: false`. Ids derive from the lines, so re-running stores nothing twice;
 * a checkpoint (`_local/import-<hash of the file>` in the events database) lets a
 * killed import resume where it stopped. Nothing is written if any line is bad.
 *
 * Connects with COUCHDB_URL, else to the running app's embedded store, else starts one
 * on the data directory, and says which; an unexpected error is printed with the
 * secrets it may hold (the URL's password) redacted.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Couch } from '../src/lib/server/couch';
import { connectForScript, type ScriptConnection } from '../src/lib/server/boot/connect';
import { StartupError } from '../src/lib/server/errors';
import { logError } from '../src/lib/server/log';
import { siteDocId } from '../src/lib/server/accounts/sites';
import {
	Classifier,
	ImportLineError,
	LineParser,
	siteOfRow
} from '../src/lib/server/import/backfill';
import type { StoredRecord } from '../src/lib/records';
import { parseCommandLine, usageError, type Tool } from './cli-args';

const CHUNK_LINES = 500;

const TOOL: Tool = {
	name: 'import',
	usage: 'usage: npm run import -- FILE.ndjson|FILE.csv [--site ID] [--no-milestones] [--restart]'
};

interface Checkpoint {
	_id: string;
	_rev?: string;
	file: string;
	lines: number;
	linesDone: number;
	updatedAt: string;
}

async function main() {
	const { values, positionals } = parseCommandLine(TOOL, {
		allowPositionals: true,
		options: {
			site: { type: 'string' },
			'no-milestones': { type: 'boolean', default: false },
			restart: { type: 'boolean', default: false }
		}
	});
	if (positionals.length === 0) usageError(TOOL, 'name the file to import');
	if (positionals.length > 1) {
		usageError(
			TOOL,
			`imports one file at a time (got ${positionals.length}: ${positionals.join(' ')})`
		);
	}
	const file = path.resolve(positionals[0]);
	if (!fs.existsSync(file)) throw new UsageError(`${file} does not exist`);

	// Pass 1: count, hash and find the sites named in the file.
	const survey = await surveyFile(file, values.site);
	const connection = await connectForScript(process.env);
	try {
		console.error(`${path.basename(file)}: importing into ${connection.store}`);
		await importFile(connection, file, survey, {
			milestones: !values['no-milestones'],
			restart: values.restart,
			defaultSite: values.site
		});
	} finally {
		await connection.close();
	}
}

interface Survey {
	lines: number;
	sha256: string;
	sites: Set<string>;
}

async function surveyFile(file: string, defaultSite: string | undefined): Promise<Survey> {
	const hash = createHash('sha256');
	const sites = new Set<string>();
	const parser = new LineParser();
	let lines = 0;
	for await (const line of readLines(file)) {
		lines += 1;
		hash.update(line + '\n');
		const row = parser.parse(line, lines);
		if (!row) continue;
		const site = siteOfRow(row, defaultSite);
		if (site) sites.add(site);
	}
	return { lines, sha256: hash.digest('hex'), sites };
}

async function importFile(
	{ couch, store }: ScriptConnection,
	file: string,
	survey: Survey,
	options: { milestones: boolean; restart: boolean; defaultSite?: string }
) {
	const zones = new Map<string, string>();
	for (const site of survey.sites) {
		try {
			zones.set(site, (await couch.sites.get(siteDocId(site))).timeZone);
		} catch (e) {
			if ((e as { statusCode?: number }).statusCode === 404) {
				throw new UsageError(
					`site "${site}" is not registered in ${store}; create it first (its time zone decides "first of day"), or point COUCHSTATS_DATA_DIR or COUCHDB_URL at the store of the app that has it`
				);
			}
			throw e;
		}
	}
	const receivedAt = Date.now();
	const classifier = () =>
		new Classifier({
			defaultSite: options.defaultSite,
			timeZoneOf: (site) => zones.get(site) ?? 'UTC',
			milestones: options.milestones,
			receivedAt
		});

	// Pass 2: check every line before writing anything.
	let records = 0;
	{
		const parser = new LineParser();
		const c = classifier();
		let n = 0;
		for await (const line of readLines(file)) {
			const row = parser.parse(line, ++n);
			if (row) records += c.classify(row, n).length;
		}
	}

	const checkpointId = `_local/import-${survey.sha256.slice(0, 32)}`;
	const checkpoint: Checkpoint = (await readCheckpoint(couch, checkpointId)) ?? {
		_id: checkpointId,
		file: path.basename(file),
		lines: survey.lines,
		linesDone: 0,
		updatedAt: new Date().toISOString()
	};
	if (options.restart) checkpoint.linesDone = 0;
	const resumedFrom = checkpoint.linesDone;
	if (resumedFrom >= survey.lines) {
		console.error(
			`${path.basename(file)}: all ${survey.lines} lines were imported before; nothing to do (--restart to send them again)`
		);
		return;
	}
	if (resumedFrom > 0)
		console.error(`${path.basename(file)}: resuming after line ${resumedFrom} of ${survey.lines}`);

	// Pass 3: classify from the first line (flags depend on earlier lines), send from the checkpoint.
	const progress = new Progress(survey.lines, resumedFrom);
	const parser = new LineParser();
	const c = classifier();
	let chunk: StoredRecord[] = [];
	let n = 0;
	let sent = 0;
	const flush = async () => {
		if (n > checkpoint.linesDone) {
			if (chunk.length) await sendChunk(couch, chunk, n);
			sent += chunk.length;
			checkpoint.linesDone = n;
			checkpoint.updatedAt = new Date().toISOString();
			const saved = await couch.events.insert(checkpoint as never);
			checkpoint._rev = saved.rev;
		}
		chunk = [];
		progress.update(n);
	};
	for await (const line of readLines(file)) {
		const row = parser.parse(line, ++n);
		if (row) {
			const out = c.classify(row, n);
			if (n > checkpoint.linesDone) chunk.push(...out);
		}
		if (n % CHUNK_LINES === 0) await flush();
	}
	await flush();
	progress.done();
	console.error(
		`${path.basename(file)}: ${survey.lines} lines, ${records} records in all; sent ${sent} this run in ${progress.seconds().toFixed(1)} s`
	);
}

async function sendChunk(couch: Couch, docs: StoredRecord[], lastLine: number) {
	const results = (await couch.events.bulk({ docs, new_edits: false })) as {
		id?: string;
		error?: string;
		reason?: string;
	}[];
	const failed = results.find((r) => r.error);
	if (failed) {
		throw new UsageError(
			`the chunk ending at line ${lastLine} was refused: ${failed.id}: ${failed.error} (${failed.reason})`
		);
	}
}

async function readCheckpoint(couch: Couch, id: string): Promise<Checkpoint | undefined> {
	try {
		return (await couch.events.get(id)) as unknown as Checkpoint;
	} catch (e) {
		if ((e as { statusCode?: number }).statusCode === 404) return undefined;
		throw e;
	}
}

function readLines(file: string): AsyncIterable<string> {
	return readline.createInterface({
		input: fs.createReadStream(file, 'utf8'),
		crlfDelay: Infinity
	});
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise. */
class Progress {
	private readonly started = performance.now();
	private lastDraw = 0;
	private lastDecile = -1;

	constructor(
		private readonly total: number,
		private readonly from: number
	) {}

	update(done: number) {
		// Lines before the checkpoint are only re-read (their flags matter), not sent.
		if (done <= this.from) return;
		const now = performance.now();
		const fraction = this.total ? done / this.total : 1;
		const rate = (done - this.from) / Math.max(0.001, (now - this.started) / 1000);
		const eta = rate > 0 ? (this.total - done) / rate : 0;
		const text = `${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}%  ${done}/${this.total} lines  ${Math.round(rate)} lines/s  eta ${eta.toFixed(0)} s`;
		if (process.stderr.isTTY) {
			if (now - this.lastDraw < 100 && done < this.total) return;
			this.lastDraw = now;
			process.stderr.write(`\r${text}\x1b[K`);
		} else {
			const decile = Math.floor(fraction * 10);
			if (decile === this.lastDecile) return;
			this.lastDecile = decile;
			process.stderr.write(text + '\n');
		}
	}

	done() {
		if (process.stderr.isTTY) process.stderr.write('\n');
	}

	seconds() {
		return (performance.now() - this.started) / 1000;
	}
}

function bar(fraction: number, width = 30): string {
	const filled = Math.round(Math.min(1, fraction) * width);
	return '[' + '#'.repeat(filled) + '-'.repeat(width - filled) + ']';
}

class UsageError extends Error {}

main().catch((e) => {
	if (e instanceof StartupError) console.error(e.line);
	else if (e instanceof ImportLineError || e instanceof UsageError)
		console.error(`couchstats import: ${e.message}`);
	else logError('import', e);
	process.exit(1);
});
