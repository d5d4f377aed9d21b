/**
 * `npm run import -- FILE [--site ID] [--no-milestones] [--restart]`
 *
 * Imports historical records from NDJSON or CSV (columns in src/lib/server/import/
 * backfill.ts and the README) in chunks of 500 lines through `_bulk_docs` with
 * `new_edits: false`. Nothing is written if any line is bad: the check pass runs every
 * record through the store's own `validate_doc_update`. Ids derive from what each line
 * means, so re-running stores nothing twice; before each chunk one `_all_docs` read
 * with `keys` finds the records stored before (also under the ids of the earlier,
 * byte-derived scheme) and those deleted before (a deleted record's id can never be
 * stored again), which are counted and said, never sent. A checkpoint
 * (`_local/import-<hash of the file, the target sites and --no-milestones>` in the
 * events database, bound to the target sites' `createdAt`) lets a killed import resume
 * where it stopped. Each chunk reads its target sites before and after it is sent
 * ({@link sendChecked}), so an import into a site deleted meanwhile stops and leaves none
 * of its records behind.
 *
 * Exit status: 0 done; 1 nothing written (a bad line, an unknown site, an empty file),
 * a target site deleted during the import, or a failure; 2 a usage error; 3 done, but
 * some lines were not stored because records with their ids were deleted before.
 *
 * Connects with COUCHDB_URL, else to the running app's embedded store, else starts one
 * on the data directory, and says which; an unexpected error is printed with the
 * secrets it may hold (the URL's password) redacted.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Couch } from '../src/lib/server/couch';
import { connectForScript, type ScriptConnection } from '../src/lib/server/boot/connect';
import { StartupError } from '../src/lib/server/errors';
import { logError } from '../src/lib/server/log';
import { storeFailureLine } from '../src/lib/server/import/store-failure';
import { findSite } from '../src/lib/server/accounts/site-admin';
import type { SiteRecord } from '../src/lib/server/accounts/sites';
import {
	addCuts,
	Classifier,
	cutsText,
	ImportLineError,
	LineParser,
	latestImportTime,
	MAX_LINE,
	siteOfRow,
	type ClassifiedLine,
	type Cuts
} from '../src/lib/server/import/backfill';
import { RECORD_TYPES, type RecordType, type StoredRecord } from '../src/lib/records';
import { parseCommandLine, usageError, type Tool } from './cli-args';

const CHUNK_LINES = 500;

/** Exit status of an import that finished but could not store some lines (see below). */
const EXIT_SOME_DELETED = 3;

const TOOL: Tool = {
	name: 'import',
	usage: [
		'usage: npm run import -- FILE.ndjson|FILE.csv [--site ID] [--no-milestones] [--restart]',
		'  Imports history (CSV with a header, or NDJSON; an export of a site restores as it was).',
		'  Every line is checked before anything is written; times from 1970-01-01T00:00:00Z',
		'  to 5 minutes after the import starts. Re-running stores nothing twice.',
		'  A line is a pageview unless its type column says event or heartbeat, or it names',
		"  an event. A pageview line's engaged_ms (at most an hour) is stored as the",
		'  heartbeats the tracker sends; an event or heartbeat line without browser, OS or',
		"  device takes those of its session's pageview lines. The summary counts the",
		'  records by type and warns when a file gave no pageviews.',
		'  --site ID        the site of lines without a site column, and of exported records',
		'  --no-milestones  do not add the actual, engaged and non-bounce milestones',
		'  --restart        ignore the checkpoint of an earlier run of this file into these',
		'                   sites and go through it from its first line again',
		'  Exit status: 0 done, 1 nothing written (a bad line, an unknown site, an empty',
		'  file) or a site deleted during the import, 2 usage, 3 done but some lines were',
		'  not stored: records with their ids were deleted before (a deleted site,',
		'  retention, an erasure).'
	].join('\n')
};

/** `_local` document of an import's progress, per file, target sites and options. */
interface Checkpoint {
	_id: string;
	_rev?: string;
	file: string;
	sites: string[];
	/**
	 * The target sites' `createdAt`, by id: a site deleted and created again under the
	 * same id is another site, which this checkpoint's lines never went into.
	 */
	createdAt?: Record<string, number>;
	lines: number;
	linesDone: number;
	/** Lines not stored because records with their ids were deleted before, so far. */
	deletedLines?: number;
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
	if (survey.rows === 0) {
		throw new UsageError(
			survey.header
				? `${path.basename(file)} has a CSV header but no rows: nothing to import`
				: `${path.basename(file)} is empty: nothing to import`
		);
	}
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
	/** Lines of the file, the CSV header and blank lines included (checkpoint positions). */
	lines: number;
	/** Lines holding a row: what the messages count as the file's lines. */
	rows: number;
	/** Whether the file began with a CSV header. */
	header: boolean;
	sha256: string;
	sites: Set<string>;
}

async function surveyFile(file: string, defaultSite: string | undefined): Promise<Survey> {
	const hash = createHash('sha256');
	const sites = new Set<string>();
	const parser = new LineParser();
	let lines = 0;
	let rows = 0;
	let header = false;
	for await (const line of readLines(file)) {
		lines += 1;
		hash.update(line + '\n');
		const row = parser.parse(line, lines);
		if (!row) {
			if (line.trim()) header = true;
			continue;
		}
		rows += 1;
		const site = siteOfRow(row, defaultSite);
		if (site) sites.add(site);
	}
	return { lines, rows, header, sha256: hash.digest('hex'), sites };
}

/**
 * The checkpoint's id: one per file, target sites and milestone option, so the same file
 * imported into another site (or with milestones after `--no-milestones`) is imported,
 * not taken as done.
 */
function checkpointIdOf(survey: Survey, milestones: boolean): string {
	const key = [survey.sha256, [...survey.sites].sort().join(','), milestones ? 'm' : '-'];
	return `_local/import-${createHash('sha256').update(key.join('\n')).digest('hex').slice(0, 32)}`;
}

async function importFile(
	{ couch, store }: ScriptConnection,
	file: string,
	survey: Survey,
	options: { milestones: boolean; restart: boolean; defaultSite?: string }
) {
	const targets = await readTargets(couch, survey.sites, store);
	const receivedAt = Date.now();
	const classifier = () =>
		new Classifier({
			defaultSite: options.defaultSite,
			timeZoneOf: (site) => targets.get(site)?.timeZone ?? 'UTC',
			hostsOf: (site) => targets.get(site)?.hostnames ?? [],
			milestones: options.milestones,
			receivedAt,
			latest: latestImportTime(receivedAt)
		});
	const name = path.basename(file);
	const rows = `${countOf(survey.rows, 'line')}${survey.header ? ' (after the CSV header)' : ''}`;

	// Pass 2: check every line before writing anything.
	const inFile = typeCounts();
	/** Pageview lines that make no pageview (a page again in its session within 30 min). */
	let repeats = 0;
	/** Lines refused for their page's host, by the reason: their numbers. */
	const refused = new Map<string, number[]>();
	/** Values the records keep cut to the ingest's limits (backfill.ts `CUTS`). */
	const cuts: Cuts = {};
	{
		const parser = new LineParser();
		const c = classifier();
		let n = 0;
		for await (const line of readLines(file)) {
			const row = parser.parse(line, ++n);
			if (!row) continue;
			const made = c.classifyLine(row, n);
			countTypes(inFile, made.records);
			if (made.repeat) repeats += 1;
			if (made.refused) {
				// Pushed, not copied: a copy per line took minutes for 100 000 refused lines.
				const lines = refused.get(made.refused) ?? [];
				refused.set(made.refused, lines);
				lines.push(n);
			}
			addCuts(cuts, made.cut);
		}
	}
	// What turned the lines into that many records, by type (outside reviews could not
	// tell; one read "7770 lines, 14003 records" of a file that had made no pageview).
	const refusedLines = [...refused.values()].reduce((sum, lines) => sum + lines.length, 0);
	const left =
		(repeats
			? `; ${countOf(repeats, 'line')} left out as a page seen again within 30 minutes in its session`
			: '') +
		(refusedLines ? `; ${countOf(refusedLines, 'line')} refused for their page's host` : '');
	const inAll = `${countOf(total(inFile), 'record')} in all (${typesText(inFile)}${left})`;

	const checkpointId = checkpointIdOf(survey, options.milestones);
	const createdAt = Object.fromEntries([...targets].map(([id, site]) => [id, site.createdAt]));
	const found = await readCheckpoint(couch, checkpointId);
	// A checkpoint of sites deleted since (or of an importer that did not note them) says
	// nothing of these sites: going through the file again finds what they hold.
	const checkpoint: Checkpoint =
		found && sameSites(found.createdAt, createdAt)
			? found
			: {
					_id: checkpointId,
					...(found && { _rev: found._rev }),
					file: name,
					sites: [...survey.sites].sort(),
					createdAt,
					lines: survey.lines,
					linesDone: 0,
					updatedAt: new Date().toISOString()
				};
	if (options.restart) {
		checkpoint.linesDone = 0;
		checkpoint.deletedLines = 0;
	}
	const resumedFrom = checkpoint.linesDone;
	const into = [...survey.sites].join(', ');
	if (resumedFrom >= survey.lines) {
		console.error(
			`${name}: all ${rows} were imported into ${into} before; nothing to do (--restart to go through them again)`
		);
		warnDeleted(name, checkpoint.deletedLines ?? 0, into);
		warnRefused(name, refused);
		return;
	}
	// File lines, as the checkpoint counts them: the CSV header is one (an outside review
	// read "of 3432" beside "3431 lines (after the CSV header)").
	if (resumedFrom > 0) {
		const header = survey.header ? ', the CSV header included' : '';
		console.error(`${name}: resuming after line ${resumedFrom} of ${survey.lines}${header}`);
	}

	// Pass 3: classify from the first line (flags depend on earlier lines), send from the checkpoint.
	const progress = new Progress(survey.rows);
	const parser = new LineParser();
	const c = classifier();
	const totals = noOutcome();
	const stored = typeCounts();
	let chunk: ChunkLine[] = [];
	let n = 0;
	/** Rows read so far, and before the checkpoint: what the progress counts, as the messages count a file's lines. */
	let rowsRead = 0;
	let rowsBefore = 0;
	const flush = async () => {
		if (n > checkpoint.linesDone) {
			const { outcome, sent } = await sendChecked(couch, chunk, targets);
			for (const key of Object.keys(totals) as (keyof ChunkOutcome)[]) totals[key] += outcome[key];
			countTypes(stored, sent);
			checkpoint.linesDone = n;
			checkpoint.deletedLines = (checkpoint.deletedLines ?? 0) + outcome.deletedLines;
			checkpoint.updatedAt = new Date().toISOString();
			const saved = await couch.events.insert(checkpoint as never);
			checkpoint._rev = saved.rev;
		}
		chunk = [];
		// Lines before the checkpoint are only re-read (their flags matter), not sent.
		if (n > resumedFrom) progress.update(rowsRead, rowsBefore);
	};
	for await (const line of readLines(file)) {
		const row = parser.parse(line, ++n);
		if (row) {
			rowsRead += 1;
			if (n <= resumedFrom) rowsBefore = rowsRead;
			const classified = c.classifyLine(row, n);
			if (n > checkpoint.linesDone && classified.records.length)
				chunk.push({ line: n, ...classified });
		}
		if (n % CHUNK_LINES === 0) await flush();
	}
	await flush();
	progress.done();
	const earlier = resumedFrom > 0 ? `, resuming after line ${resumedFrom},` : '';
	const storedText = totals.stored ? ` (${typesText(stored)})` : '';
	console.error(
		`${name}: ${rows}, ${inAll}; this run${earlier} stored ${countOf(totals.stored, 'record')}${storedText}, and found ${countOf(totals.before, 'line')} stored before, in ${progress.seconds().toFixed(1)} s`
	);
	// Said, not done silently (probe46a F9): what the file gave past the ingest's limits.
	if (cutsText(cuts)) {
		console.error(
			`${name}: values in the file longer (or more) than a record keeps, stored cut to the ingest's limits (README "Importing history"): ${cutsText(cuts)}`
		);
	}
	if (inFile.pageview === 0) {
		console.error(
			`couchstats import: warning: ${name} gave no pageviews, so the dashboard counts no pageview, session or visitor of it. A line is a pageview when its type is pageview, or when it has neither a type nor an event; a heartbeat needs the type heartbeat.`
		);
	}
	if (totals.heartbeatsBefore) {
		console.error(
			`couchstats import: warning: ${name}: ${countOf(totals.heartbeatsBefore, 'pageview line')} with engaged_ms and no type had been imported before as heartbeats only (by an importer until 2026-12-07). This run added their pageviews and stored their engaged time no second time, but the heartbeats and milestones stored then lack their sessions' source and landing page, and a session's engaged or non-bounce milestone may now count twice. For exact numbers, import the file into a new site id (--site NEW).`
		);
	}
	warnDeleted(name, checkpoint.deletedLines ?? 0, into);
	warnRefused(name, refused);
}

/** Lines shown per reason a line was refused. */
const LINES_SHOWN = 10;

/**
 * Says why lines were refused (a page of a host its site does not list, as the ingest
 * refuses its records), each reason with its lines' numbers.
 */
function warnRefused(name: string, refused: Map<string, number[]>) {
	for (const [reason, lines] of refused) {
		const more = lines.length > LINES_SHOWN ? ` and ${lines.length - LINES_SHOWN} more` : '';
		console.error(
			`couchstats import: warning: ${name}: ${countOf(lines.length, 'line')} refused, not stored (line ${lines.slice(0, LINES_SHOWN).join(', ')}${more}): ${reason}`
		);
	}
}

/** Records by type. */
type TypeCounts = Record<RecordType, number>;

function typeCounts(): TypeCounts {
	return Object.fromEntries(RECORD_TYPES.map((type) => [type, 0])) as TypeCounts;
}

function countTypes(counts: TypeCounts, records: StoredRecord[]) {
	for (const r of records) counts[r.type] += 1;
}

function total(counts: TypeCounts): number {
	return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** "3 pageviews, 0 events, 1 heartbeat, 2 milestones", and an export's records of drops when it has any. */
function typesText(counts: TypeCounts): string {
	const kinds = ['pageview', 'event', 'heartbeat', 'milestone'] as const;
	const parts = kinds.map((type) => countOf(counts[type], type));
	if (counts.dropped) parts.push(`${countOf(counts.dropped, 'record')} of records dropped`);
	return parts.join(', ');
}

/** What keeps lines a deleted site's records cannot take: another site id. */
const KEEP_LINES = 'To keep these lines, import the file into a new site id (--site NEW).';

/**
 * Says how many lines were not stored because their records' ids were deleted before,
 * and sets the exit status to {@link EXIT_SOME_DELETED}.
 */
function warnDeleted(name: string, lines: number, into: string) {
	if (lines === 0) return;
	console.error(
		`couchstats import: ${name}: ${lines} ${lines === 1 ? 'line was' : 'lines were'} NOT stored: records with the same ids were deleted from ${into} before (the site was deleted, retention removed them, or a visitor erased them), and a deleted record's id cannot be stored again. ${KEEP_LINES}`
	);
	process.exitCode = EXIT_SOME_DELETED;
}

/** A line of a chunk: its number and records. */
interface ChunkLine extends ClassifiedLine {
	line: number;
}

/** `n` and its noun, singular for one (an outside re-check read "1 records"). */
function countOf(n: number, noun: string): string {
	return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * What a chunk did: records stored, lines stored before, lines and records deleted
 * before, and pageview lines whose engaged time an earlier importer had stored as their
 * only record (backfill.ts `tookForHeartbeat`).
 */
interface ChunkOutcome {
	stored: number;
	before: number;
	deletedLines: number;
	deletedRecords: number;
	heartbeatsBefore: number;
}

/** A chunk's outcome before it did anything. */
function noOutcome(): ChunkOutcome {
	return { stored: 0, before: 0, deletedLines: 0, deletedRecords: 0, heartbeatsBefore: 0 };
}

/**
 * Sends a chunk's records, leaving out those stored before and those deleted before,
 * both found by one `_all_docs` read of the chunk's ids (and of the ids the earlier
 * scheme gave its lines): `new_edits: false` would accept a record whose id was deleted
 * and store nothing, so the importer must find out itself.
 * @throws {UsageError} naming the line of a record the store refused.
 */
async function sendChunk(
	couch: Couch,
	lines: ChunkLine[]
): Promise<{ outcome: ChunkOutcome; sent: StoredRecord[] }> {
	const outcome = noOutcome();
	if (lines.length === 0) return { outcome, sent: [] };
	const keys = new Set<string>();
	for (const l of lines) {
		for (const r of l.records) keys.add(r._id);
		// `of` too: the heartbeat of 0 ms an earlier importer stored is no record of the line now.
		if (l.legacy) keys.add(l.legacy.id).add(l.legacy.of);
	}
	const found = (await couch.events.fetchRevs({ keys: [...keys] })).rows as unknown as {
		key: string;
		value?: { deleted?: boolean };
	}[];
	const state = new Map<string, 'stored' | 'deleted'>();
	for (const row of found) {
		if (row.value) state.set(row.key, row.value.deleted ? 'deleted' : 'stored');
	}
	const docs: StoredRecord[] = [];
	const lineOf = new Map<string, number>();
	for (const l of lines) {
		// A record is stored (or deleted) under its id, or under the earlier scheme's id
		// of the record it now is (backfill.ts ClassifiedLine.legacy).
		const stateOf = (id: string) =>
			state.get(id) ?? (l.legacy?.of === id ? state.get(l.legacy.id) : undefined);
		const own = l.ownId ? stateOf(l.ownId) : undefined;
		// A line's own record decides for the line; its milestones (ids shared by every
		// line of the session) and heartbeats are sent when not stored yet.
		if (own === 'deleted') outcome.deletedLines += 1;
		else if (own === 'stored') outcome.before += 1;
		else if (l.legacy && l.legacy.of !== l.ownId && stateOf(l.legacy.of) === 'stored')
			outcome.heartbeatsBefore += 1;
		for (const r of l.records) {
			const s = stateOf(r._id);
			if (s === 'deleted') outcome.deletedRecords += 1;
			if (s || lineOf.has(r._id)) continue;
			docs.push(r);
			lineOf.set(r._id, l.line);
		}
	}
	if (docs.length === 0) return { outcome, sent: docs };
	const results = (await couch.events.bulk({ docs, new_edits: false })) as {
		id?: string;
		error?: string;
		reason?: string;
	}[];
	const failed = results.find((r) => r.error);
	if (failed) {
		throw new UsageError(
			`line ${lineOf.get(failed.id ?? '') ?? '?'} was refused by the store: ${failed.error} (${failed.reason}); other records of lines ${lines[0].line}–${lines[lines.length - 1].line} may be stored, and a re-run stores none of them twice`
		);
	}
	outcome.stored = docs.length;
	return { outcome, sent: docs };
}

/** The target sites as the import found them at its start, by id. */
type Targets = Map<string, SiteRecord>;

/**
 * Reads the target sites at the import's start: their time zones decide "first of day",
 * their `createdAt` tells them from a site created later under the same id.
 * @throws {UsageError} for a site that is not registered or is being deleted.
 */
async function readTargets(couch: Couch, sites: Set<string>, store: string): Promise<Targets> {
	const targets: Targets = new Map();
	for (const id of sites) {
		const site = await findSite(couch, id);
		if (!site) {
			throw new UsageError(
				`site "${id}" is not registered in ${store}; create it first (its time zone decides "first of day"), or point COUCHSTATS_DATA_DIR or COUCHDB_URL at the store of the app that has it`
			);
		}
		if (site.deleting) {
			throw new UsageError(
				`site "${id}" is being deleted in ${store}; nothing was imported. ${KEEP_LINES}`
			);
		}
		targets.set(id, site);
	}
	return targets;
}

/**
 * Why a target site is no longer the one the import began with (deleted, marked for
 * deletion, or another site created since under its id), or undefined.
 */
async function targetChanged(couch: Couch, targets: Targets): Promise<string | undefined> {
	for (const [id, then] of targets) {
		const site = await findSite(couch, id);
		if (!site) return `site "${id}" was deleted`;
		if (site.deleting) return `site "${id}" was marked for deletion`;
		if (site.createdAt !== then.createdAt) return `site "${id}" was deleted and created again`;
	}
	return undefined;
}

/**
 * Sends a chunk ({@link sendChunk}) so that a deletion of a target site, whenever it
 * happens, leaves none of the import's records behind. A site's deletion
 * (src/lib/server/accounts/site-delete.ts) marks its record `deleting`, deletes its
 * records in passes whose view reads bring the index up to date (`update=true`, never
 * `stale`), and only then removes the record. The chunk reads its targets before and
 * after the send:
 * - before: a target missing or marked stops the import before it sends anything more;
 * - after, every target the same site and not marked: that read came before the mark
 *   in the store's order, and the send before the read, so the deletion's first view
 *   read, later than the mark, lists these records and its passes delete them;
 * - after, a target marked, missing or created again (its `createdAt` differs): the
 *   send may have landed after the deletion's last pass, so the importer deletes what it
 *   just sent itself (its own records, whose ids and revisions it knows: records are never
 *   updated, so a conflict means the deletion got that one first) and stops.
 * Left open: the importer killed between its send and the read after it, while the
 * deletion's last pass ran in between. Assumed, not tested: a single-node store (the
 * embedded one, CouchDB with n=1); on a cluster a view read may miss a write a replica
 * has not received yet.
 * @throws {UsageError} naming the site and what became of the chunk's records.
 */
async function sendChecked(
	couch: Couch,
	lines: ChunkLine[],
	targets: Targets
): Promise<{ outcome: ChunkOutcome; sent: StoredRecord[] }> {
	const span = lines.length ? `lines ${lines[0].line}–${lines[lines.length - 1].line}` : '';
	const before = await targetChanged(couch, targets);
	if (before) {
		const at = span ? ` before ${span}` : '';
		throw new UsageError(`${before} during the import; it stopped${at}. ${KEEP_LINES}`);
	}
	const { outcome, sent } = await sendChunk(couch, lines);
	if (sent.length === 0) return { outcome, sent };
	const after = await targetChanged(couch, targets);
	if (!after) return { outcome, sent };
	const results = (await couch.events.bulk({
		docs: sent.map((r) => ({ _id: r._id, _rev: r._rev, _deleted: true })) as never
	})) as { id: string; error?: string; reason?: string }[];
	const failed = results.find((r) => r.error && r.error !== 'conflict');
	if (failed) {
		throw new UsageError(
			`${after} during the import, and deleting the ${countOf(sent.length, 'record')} of ${span} it had just sent failed (${failed.id}: ${failed.error}, ${failed.reason}): they may be kept under the site's id; delete the site again once this is fixed`
		);
	}
	throw new UsageError(
		`${after} during the import; it stopped at ${span} and deleted again the ${countOf(sent.length, 'record')} it had just sent, so the deleted site keeps none of them. ${KEEP_LINES}`
	);
}

/** Whether a checkpoint's sites are these, by their `createdAt`. */
function sameSites(
	noted: Record<string, number> | undefined,
	now: Record<string, number>
): boolean {
	return (
		noted !== undefined &&
		Object.keys(now).length === Object.keys(noted).length &&
		Object.entries(now).every(([id, at]) => noted[id] === at)
	);
}

async function readCheckpoint(couch: Couch, id: string): Promise<Checkpoint | undefined> {
	try {
		return (await couch.events.get(id)) as unknown as Checkpoint;
	} catch (e) {
		if ((e as { statusCode?: number }).statusCode === 404) return undefined;
		throw e;
	}
}

/**
 * The file's lines, without their line breaks (`\n` or `\r\n`). A line longer than
 * MAX_LINE characters is cut to one character more as it is read, so that its parse
 * refuses it without the importer holding it whole.
 */
async function* readLines(file: string): AsyncIterable<string> {
	let line = '';
	const done = (text: string) => (text.endsWith('\r') ? text.slice(0, -1) : text);
	for await (const chunk of fs.createReadStream(file, 'utf8') as AsyncIterable<string>) {
		for (let start = 0; ;) {
			const end = chunk.indexOf('\n', start);
			if (line.length <= MAX_LINE) {
				line += chunk.slice(start, end < 0 ? undefined : end);
				line = line.slice(0, MAX_LINE + 2);
			}
			if (end < 0) break;
			yield done(line);
			line = '';
			start = end + 1;
		}
	}
	if (line) yield done(line);
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise. */
class Progress {
	private readonly started = performance.now();
	private lastDraw = 0;
	private lastDecile = -1;

	/** @param total The file's rows (its lines but the CSV header and blank ones). */
	constructor(private readonly total: number) {}

	/**
	 * Draws the rows done so far.
	 * @param done Rows read, sent or before the checkpoint.
	 * @param from Rows before the checkpoint (only re-read: not in the rate).
	 */
	update(done: number, from: number) {
		const now = performance.now();
		const fraction = this.total ? done / this.total : 1;
		const rate = (done - from) / Math.max(0.001, (now - this.started) / 1000);
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
	// Outside operations reviews: the store stopped mid-import, or a disk filled, and the
	// importer printed nano's stack trace, nothing about what was kept.
	const storeFailed = storeFailureLine(e);
	if (e instanceof StartupError) console.error(e.line);
	else if (e instanceof ImportLineError || e instanceof UsageError)
		console.error(`couchstats import: ${e.message}`);
	else if (storeFailed) console.error(storeFailed);
	else logError('import', e);
	process.exit(1);
});
