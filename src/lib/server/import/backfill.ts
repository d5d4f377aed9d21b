/**
 * Backfill: turns lines of an NDJSON or CSV export into records, classified by the
 * tracker's own rules (src/lib/classify/rules.ts: sessions, the 30-minute same-path
 * dedup, entry, first of day, first ever, first view of a path that day, from, an
 * event's first of session and of day, and optionally the session milestones), run
 * over state kept in memory per visitor. Pure apart from hashing: the same file gives
 * the same records, with ids derived from what each line means once parsed (not from
 * how it is written), so importing the same history twice, in any form, stores nothing
 * twice. Every record is checked by the events database's own `validate_doc_update`
 * before anything is written, so the store refuses no line the check pass accepted.
 *
 * Lines must be in time order per visitor (per session when there is no visitor id).
 */
import { createHash } from 'node:crypto';
import {
	activeSession,
	classifyEvent,
	classifyPageview,
	newMilestones,
	sinceEntry,
	type SessionState,
	type VisitorState
} from '../../classify/rules';
import {
	LANG_PATTERN,
	LIMITS,
	canonicalPath,
	cutEncoded,
	languageTag,
	RESERVED_PROP_NAMES,
	SCREEN_CLASSES,
	SOURCE_PATTERN,
	referrerCut,
	referrerHost,
	referrerOf,
	revisionFor,
	sourceOf,
	uuidv7,
	type ScreenClass,
	type StoredRecord
} from '../../records';
import { localDate } from '../../stats/time-zone';
import { cleanText, clip, hasNoControl } from '../../text';
import { pageHost, siteSource } from '../../site-hosts';
import { hostRefusal } from '../accounts/sites';
import { isExportedRecord, restoreRecord } from './restore';
import { assertStorable } from './storable';
import { MAX_DEPTH, nestedDeeperThan } from '../ingest/schema';
// The UTM parameters of a query, as the tracker reads a page's.
import { utmOf as utmOfQuery } from '../../tracker/page';

/** Columns (CSV header names, NDJSON keys) the importer reads. Others are ignored. */
export const COLUMNS = [
	'timestamp',
	'site',
	'type',
	'path',
	'url',
	'hostname',
	'session_id',
	'visitor_id',
	'referrer',
	'title',
	'event',
	'props',
	'engaged_ms',
	'utm_source',
	'utm_medium',
	'utm_campaign',
	'utm_term',
	'utm_content',
	'browser',
	'os',
	'device',
	'country',
	'screen',
	'lang'
] as const;

/** One input line as named fields (strings from CSV; any JSON value from NDJSON). */
export type InputRow = Partial<Record<(typeof COLUMNS)[number], unknown>>;

/**
 * Characters a line may have: a record is at most 4 KB stored, and a line longer than
 * this is no record (an outside probe's 100 MB line took 1.5 GB to import). `npm run
 * import` stops reading a line past it.
 */
export const MAX_LINE = 65_536;

/** A line that cannot be imported: the message names the line and the problem. */
export class ImportLineError extends Error {
	constructor(
		readonly line: number,
		problem: string
	) {
		super(`line ${line}: ${problem}`);
		this.name = 'ImportLineError';
	}
}

/** Splits one CSV line (RFC 4180 quoting; no line breaks inside fields). */
export function parseCsvLine(line: string): string[] {
	const fields: string[] = [];
	let i = 0;
	while (i <= line.length) {
		if (line[i] === '"') {
			let value = '';
			i += 1;
			while (i < line.length) {
				if (line[i] === '"' && line[i + 1] === '"') {
					value += '"';
					i += 2;
				} else if (line[i] === '"') {
					i += 1;
					break;
				} else {
					value += line[i++];
				}
			}
			fields.push(value);
			i += 1; // the comma
		} else {
			const end = line.indexOf(',', i);
			const stop = end === -1 ? line.length : end;
			fields.push(line.slice(i, stop));
			i = stop + 1;
		}
	}
	return fields;
}

/**
 * The site a line goes into: for an exported record, `defaultSite` (`--site`) if given,
 * else its own; for other lines their `site` column, else `defaultSite`.
 */
export function siteOfRow(row: InputRow, defaultSite: string | undefined): string | undefined {
	if (isExportedRecord(row)) return defaultSite ?? str(row.site);
	return str(row.site) ?? defaultSite;
}

/** Turns the lines of a file into {@link InputRow}s; the format is told by the first line. */
export class LineParser {
	private header: string[] | undefined;
	private format: 'ndjson' | 'csv' | undefined;

	/**
	 * Parses one line. Returns undefined for blank lines and the CSV header.
	 * @param line The line's text, without its line break.
	 * @param number Its 1-based line number, for messages.
	 * @throws {ImportLineError} for a line that does not parse.
	 */
	parse(line: string, number: number): InputRow | undefined {
		if (line.length > MAX_LINE) {
			throw new ImportLineError(number, `is longer than ${MAX_LINE} characters`);
		}
		const text = line.replace(/^\uFEFF/, '').trim();
		if (!text) return undefined;
		if (!this.format) this.format = /^[[{]/.test(text) ? 'ndjson' : 'csv';
		if (this.format === 'ndjson') {
			let value;
			try {
				value = JSON.parse(text);
				if (!value || typeof value !== 'object' || Array.isArray(value))
					throw new Error('not an object');
			} catch {
				throw new ImportLineError(number, 'is not a JSON object (NDJSON: one object per line)');
			}
			if (nestedDeeperThan(value, MAX_DEPTH)) {
				throw new ImportLineError(number, `is nested more than ${MAX_DEPTH} levels deep`);
			}
			return value as InputRow;
		}
		const fields = parseCsvLine(text);
		if (!this.header) {
			this.header = fields.map((f) => f.trim().toLowerCase());
			if (!this.header.includes('timestamp')) {
				throw new ImportLineError(number, 'the CSV header must name a timestamp column');
			}
			if (!this.header.includes('path') && !this.header.includes('url')) {
				throw new ImportLineError(number, 'the CSV header must name a path or a url column');
			}
			return undefined;
		}
		const row: Record<string, string> = {};
		this.header.forEach((name, i) => {
			if (fields[i] !== undefined && fields[i] !== '') row[name] = fields[i];
		});
		return row as InputRow;
	}
}

/** Options of {@link Classifier}. */
export interface ClassifierOptions {
	/** Site of lines without a `site` column, and of exported records (restore.ts). */
	defaultSite?: string;
	/** Time zone of each site, for "first of the visitor's day". */
	timeZoneOf: (site: string) => string;
	/**
	 * Host names of each site, as its settings list them: a referrer on one of them is no
	 * source (`(direct)`, site-hosts.ts `siteSource`), as for tracked records, and a line
	 * of a host none of them takes is refused (`ClassifiedLine.refused`). Default: none
	 * given, and no line refused for its host.
	 */
	hostsOf?: (site: string) => readonly string[];
	/** Also emit milestone records (actual, engaged, non-bounce); default true. */
	milestones?: boolean;
	/** `receivedAt` of every record: when the import ran. */
	receivedAt: number;
	/**
	 * The latest time a line may carry, epoch ms: `npm run import` passes
	 * {@link latestImportTime}. Default: no bound but the store's.
	 */
	latest?: number;
}

/**
 * The earliest time a record may carry: 1970-01-01T00:00:00Z, epoch 0. The events
 * database's `validate_doc_update` (couchdb/events/validate.js) refuses a negative `ts`,
 * and every record is checked by it before writing ({@link assertStorable}); this bound
 * only lets the check say so in the line's own terms. backfill.test.ts holds the two
 * together.
 */
export const EARLIEST_TS = 0;

/**
 * The latest time an import started at `startedAt` accepts: the ingest's own margin for
 * a clock ahead (`LIMITS.futureMs`, 5 minutes). A later line is refused: a record of the
 * future is missing from every range ending today, and one far ahead (9999-12-31) from
 * every range the Stats API can name in some zones.
 */
export function latestImportTime(startedAt: number): number {
	return startedAt + LIMITS.futureMs;
}

/**
 * One line classified: its records (its own first, then the heartbeats of a pageview
 * line's engaged time, then any milestones), the id of its own record, and the id an
 * importer before version 2 of the id scheme gave the record a line made then (derived
 * from the line's bytes), so a re-run of a file imported then can find it.
 */
export interface ClassifiedLine {
	records: StoredRecord[];
	/** `_id` of the line's own record; undefined when the line makes none. */
	ownId?: string;
	/**
	 * The earlier scheme's id (classified lines only), and `of`, the id of the record it
	 * stands for now: the line's own record, or, for a pageview line with `engaged_ms` and
	 * no `type`, which that importer took for a heartbeat, the line's heartbeat.
	 */
	legacy?: { id: string; of: string };
	/** Set when the line is a pageview its session recorded within 30 minutes: no pageview record. */
	repeat?: true;
	/**
	 * Why the line makes no record: its page's host is none of its site's (`hostRefusal`,
	 * as the ingest refuses such a page's records). The import goes on without it.
	 */
	refused?: string;
	/** The values of the line its records keep cut to their limits ({@link CUTS}), by field. */
	cut?: Cuts;
}

/**
 * What a line may give longer, or more of, than a record keeps, and the limit it is cut
 * to: the ingest's own (`LIMITS`, src/lib/records.ts), which refuses a record past them.
 * The importer keeps the rest, cut, and its summary counts each (probe46a F9: it cut
 * without a word). `props` past the limit and of another type than text, number or
 * true/false are left out.
 */
export const CUTS = {
	path: { limit: LIMITS.path, what: `paths cut to ${LIMITS.path} characters` },
	title: { limit: LIMITS.title, what: `titles cut to ${LIMITS.title} characters` },
	referrer: { limit: LIMITS.referrer, what: `referrers cut to ${LIMITS.referrer} characters` },
	utm: { limit: LIMITS.utm, what: `UTM values cut to ${LIMITS.utm} characters` },
	eventName: { limit: LIMITS.eventName, what: `event names cut to ${LIMITS.eventName} characters` },
	props: { limit: LIMITS.props, what: `props left out past ${LIMITS.props} on an event` },
	propKey: { limit: LIMITS.propKey, what: `prop names cut to ${LIMITS.propKey} characters` },
	propValue: { limit: LIMITS.propValue, what: `prop values cut to ${LIMITS.propValue} characters` },
	propType: { limit: null, what: 'props left out as neither text, number nor true/false' }
} as const satisfies Record<string, { limit: number | null; what: string }>;

/** A field of {@link CUTS}. */
export type CutField = keyof typeof CUTS;

/** How many values of each field were cut (or left out); a field none were is absent. */
export type Cuts = Partial<Record<CutField, number>>;

/** Counts `n` more values of `field` cut. */
function noteCut(cuts: Cuts, field: CutField, n = 1): void {
	if (n > 0) cuts[field] = (cuts[field] ?? 0) + n;
}

/** Adds `more` to `into`, field by field (the importer's summary over its lines). */
export function addCuts(into: Cuts, more: Cuts | undefined): Cuts {
	for (const [field, n] of Object.entries(more ?? {})) noteCut(into, field as CutField, n);
	return into;
}

/**
 * The importer's words for `cuts`: "paths cut to 512 characters: 3; titles cut to 256
 * characters: 1", in {@link CUTS}' order; '' when nothing was cut.
 */
export function cutsText(cuts: Cuts): string {
	return (Object.keys(CUTS) as CutField[])
		.filter((field) => cuts[field])
		.map((field) => `${CUTS[field].what}: ${cuts[field]}`)
		.join('; ');
}

/** `clip`, noting in `cuts` when the value was longer than `max` once cleaned. */
function clipNoted(cuts: Cuts, field: CutField, value: unknown, max: number): string | undefined {
	if (typeof value === 'string' && cleanText(value).length > max) noteCut(cuts, field);
	return clip(value, max);
}

/**
 * Most engaged milliseconds a pageview line's `engaged_ms` may give: an hour, which the
 * importer stores as up to 30 heartbeats ({@link LIMITS.heartbeatMs} each at most, as the
 * tracker's carry), so that one line never turns into thousands of records.
 */
export const MAX_PAGEVIEW_ENGAGED_MS = 3_600_000;

/** The technology of a session, as its latest pageview line gave it (the live ingest: the request's user agent). */
type Technology = Partial<Record<(typeof TECHNOLOGY)[number], string>>;

/** The fields that describe what a visitor browses with (the ingest gives every record them). */
const TECHNOLOGY = ['browser', 'os', 'device'] as const;

/** What the importer keeps per visitor: the rules' visitor state and current session. */
interface VisitorEntry {
	/** Time of the visitor's last line (lines must come in time order). */
	lastTs: number;
	state: VisitorState;
	session?: SessionState;
}

/**
 * Turns rows into records, line by line, keeping per-visitor and per-session state.
 * Feed it every line of a file in order, from the first, even when resuming: the
 * flags of a line depend on the lines before it.
 */
export class Classifier {
	private readonly visitors = new Map<string, VisitorEntry>();
	private readonly sessionsById = new Map<string, SessionState>();
	private readonly seen = new Map<string, number>();
	private readonly legacySeen = new Map<string, number>();
	/** Each session's technology, from its pageview lines ({@link technologyOf}). */
	private readonly technology = new WeakMap<SessionState, Technology>();

	constructor(private readonly options: ClassifierOptions) {}

	/**
	 * The records of one line: its own record, then the heartbeats of a pageview line's
	 * `engaged_ms`, then any milestone it triggers; no pageview for a pageview of a path
	 * its session recorded within the last 30 minutes (the tracker does not record those
	 * either), only the heartbeats of its engaged time.
	 * @throws {ImportLineError} naming what is wrong with the line.
	 */
	classify(row: InputRow, line: number): StoredRecord[] {
		return this.classifyLine(row, line).records;
	}

	/**
	 * {@link classify}, with the ids of the line's own record under this and the earlier
	 * id scheme.
	 * @throws {ImportLineError} naming what is wrong with the line, including any record
	 *   the events database's `validate_doc_update` would refuse.
	 */
	classifyLine(row: InputRow, line: number): ClassifiedLine {
		// An exported record (restore.ts) is stored as it was, into the --site site if given.
		if (isExportedRecord(row)) {
			const given = (row as { ts?: unknown }).ts;
			if (typeof given === 'number') this.checkTime(given, line, given);
			const record = restoreRecord(row, this.options.defaultSite, line);
			return { records: [record], ownId: record._id };
		}
		const site = str(row.site) ?? this.options.defaultSite;
		if (!site) throw new ImportLineError(line, 'has no site (add a site column or pass --site)');
		const ts = timestampOf(row, line);
		this.checkTime(ts, line, row.timestamp);
		// Values cut to their limits: the path's for every record, the rest as kept below.
		const cut: Cuts = {};
		const { path, utmFromUrl, pathCut, utmCuts } = pathOf(row, line);
		if (pathCut) noteCut(cut, 'path');
		const host = hostOf(row, line);
		// A page of a host the site does not list, as the ingest refuses one: left out, before
		// it counts in its visitor's day or session.
		const hostnames = this.options.hostsOf?.(site);
		const refused = host && hostnames && hostRefusal({ id: site, hostnames }, host);
		if (refused) return { records: [], refused };
		const sourceSession = str(row.session_id);
		const sourceVisitor =
			str(row.visitor_id) ?? (sourceSession ? `session:${sourceSession}` : undefined);
		if (!sourceVisitor) throw new ImportLineError(line, 'needs a visitor_id or a session_id');
		const type = recordType(row);
		if (!type) {
			throw new ImportLineError(line, `type must be pageview, event or heartbeat${got(row.type)}`);
		}

		const vkey = `${site}\n${sourceVisitor}`;
		let visitor = this.visitors.get(vkey);
		if (visitor && ts < visitor.lastTs) {
			throw new ImportLineError(
				line,
				'is earlier than the previous line of the same visitor; sort the file by timestamp'
			);
		}
		const { own, meaning, engaged, cuts: ownCuts } = ownFields(type, row, line);
		const vid = 'imp' + hash(`visitor\n${vkey}`).slice(0, 21);
		const means = { site, visitor: sourceVisitor, session: sourceSession ?? null, ts, path };
		const _id = this.idOf({ ...means, ...meaning }, ts);
		// Each heartbeat of a pageview line's engaged time has the id a heartbeat line of
		// that time and engaged time has: the same engaged time, stored once.
		const beatIds = engaged.map((engagedMs) =>
			this.idOf({ ...means, type: 'heartbeat', engagedMs }, ts)
		);
		const legacyId = this.legacyIdOf(site, row, ts);
		// What the earlier scheme's record of this line was: an importer until 2026-12-07
		// took a line with engaged_ms and neither type nor event for a heartbeat, of 0 ms
		// too, which makes no heartbeat now: its id is named all the same.
		const legacyOf = !tookForHeartbeat(row)
			? _id
			: (beatIds[0] ?? this.idOf({ ...means, type: 'heartbeat', engagedMs: 0 }, ts));
		const legacy = { id: legacyId, of: legacyOf };
		if (!visitor) this.visitors.set(vkey, (visitor = { lastTs: ts, state: { id: vid } }));
		visitor.lastTs = ts;
		const ref = plausibleReferrer(str(row.referrer));
		const session = this.sessionFor(site, vkey, visitor, sourceSession, ts, path);
		const day = localDate(ts, this.options.timeZoneOf(site));

		const base = {
			_id,
			_rev: revisionFor(_id),
			v: 1 as const,
			site,
			ts,
			sid: session.id,
			vid,
			path,
			...(host && { host }),
			receivedAt: this.options.receivedAt,
			...this.technologyOf(session, own.type, enrichment(row))
		};
		let record: StoredRecord | undefined;
		if (own.type === 'pageview') {
			const columnUtm = utmOf(row);
			const utm = { ...utmFromUrl, ...columnUtm.utm };
			// One rule with the tracker and the ingest: the site's own host is no source.
			const source = siteSource(this.options.hostsOf?.(site) ?? [], sourceOf(ref, utm.source));
			const c = classifyPageview(
				session,
				visitor.state,
				path,
				ts,
				day,
				source,
				undefined,
				undefined,
				host
			);
			if (c?.entry) session.b = ts;
			// An entry keeps the referrer and UTM values, any pageview its title.
			if (c?.entry) {
				noteCut(cut, 'utm', utmCuts + columnUtm.cuts);
				if (ref && referrerCut(str(row.referrer)!)) noteCut(cut, 'referrer');
			}
			const title = clipNoted(c ? cut : {}, 'title', str(row.title), LIMITS.title);
			if (c)
				record = {
					...base,
					type: own.type,
					...c,
					...(ref && c.entry ? { ref } : {}),
					...(Object.keys(utm).length && c.entry ? { utm } : {}),
					...(title ? { title } : {}),
					...screenOf(row),
					...langOf(row)
				};
		} else if (own.type === 'event') {
			const c = classifyEvent(session, visitor.state, own.name, day, own.props);
			record = { ...base, ...own, ...c };
			addCuts(cut, ownCuts);
		} else {
			record = heartbeat(base, session, own.engagedMs);
		}
		// A page left out as seen again still had the engaged time the line gives.
		const beats = engaged.map((engagedMs, i) =>
			heartbeat({ ...base, _id: beatIds[i], _rev: revisionFor(beatIds[i]) }, session, engagedMs)
		);
		const made = [...(record ? [record] : []), ...beats];
		if (!made.length) return { records: [], repeat: true, legacy };
		// The session's source and landing page as its entry pageview set them (none before).
		const stamp = { src: session.src, land: session.land };
		for (const r of made)
			for (const key of ['src', 'land'] as const) if (stamp[key] !== undefined) r[key] = stamp[key];
		const records = [...made, ...this.milestones(session, { ...base, ...stamp })];
		for (const r of records) assertStorable(r, line);
		return {
			records,
			...(record ? { ownId: _id } : { repeat: true as const }),
			legacy,
			...(Object.keys(cut).length && { cut })
		};
	}

	/**
	 * The browser, OS and device of a line's records: a pageview line's own, which become
	 * its session's; an event's or heartbeat's own, else its session's as its latest
	 * pageview line gave them. The live ingest gives every record of a visit the families
	 * of its request's user agent; an export gives them on its pageview lines only (an
	 * outside probe: every imported event read "(unknown)" under an event filter).
	 */
	private technologyOf(
		session: SessionState,
		type: OwnFields['type'],
		given: Record<string, string>
	): Record<string, string> {
		const known = this.technology.get(session) ?? {};
		if (type !== 'pageview') return { ...known, ...given };
		const own = Object.fromEntries(TECHNOLOGY.flatMap((f) => (given[f] ? [[f, given[f]]] : [])));
		this.technology.set(session, { ...known, ...own });
		return given;
	}

	/**
	 * The id of a line's own record, from what the line means once parsed: its site,
	 * visitor, source session, time, type, path, and its event name and props (in
	 * canonical order) or engaged time. Key order, props as JSON text or as an object,
	 * ISO time or epoch, `url` or `path` do not change it. Its n-th repeat in the file
	 * (the same meaning again) gets its own id, so true repeats are all kept.
	 */
	private idOf(meaning: Record<string, unknown>, ts: number): string {
		const key = hash(`line\n${canonicalJson(meaning)}`);
		const occurrence = (this.seen.get(key) ?? 0) + 1;
		this.seen.set(key, occurrence);
		return uuidv7From(ts, `line\n${key}\n${occurrence}`);
	}

	/** The id the earlier scheme (before O3) derived from the line's bytes as parsed. */
	private legacyIdOf(site: string, row: InputRow, ts: number): string {
		const contentHash = hash(`${site}\n${JSON.stringify(row)}`);
		const occurrence = (this.legacySeen.get(contentHash) ?? 0) + 1;
		this.legacySeen.set(contentHash, occurrence);
		return uuidv7From(ts, `${contentHash}\n${occurrence}`);
	}

	/**
	 * Refuses a time the store refuses ({@link EARLIEST_TS}) or later than
	 * {@link ClassifierOptions.latest}, naming the line and the value it gave.
	 */
	private checkTime(ts: number, line: number, given: unknown) {
		if (ts < EARLIEST_TS) {
			throw new ImportLineError(
				line,
				`timestamp is before ${new Date(EARLIEST_TS).toISOString()}, the earliest time couchstats stores${got(given)}`
			);
		}
		const latest = this.options.latest;
		if (latest !== undefined && ts > latest) {
			throw new ImportLineError(
				line,
				`timestamp is in the future: after ${new Date(latest).toISOString()}, 5 minutes after the import started${got(given)}`
			);
		}
	}

	/**
	 * The session of a line: the one its `session_id` names, or else the visitor's
	 * current one while open (the rules' 30-minute window). Its entry pageview gives it
	 * its source and landing page (`classifyPageview`), as in the tracker: a record before
	 * it has neither.
	 */
	private sessionFor(
		site: string,
		vkey: string,
		visitor: VisitorEntry,
		sourceSession: string | undefined,
		ts: number,
		path: string
	): SessionState {
		let session: SessionState;
		if (sourceSession) {
			const skey = `${site}\n${sourceSession}`;
			const known = this.sessionsById.get(skey);
			// A session the source names stays open however long its gaps.
			if (known) known.last = Math.max(known.last, ts);
			session = known ?? activeSession(undefined, ts, () => uuidv7From(ts, `session\n${skey}`));
			this.sessionsById.set(skey, session);
		} else {
			session = activeSession(visitor.session, ts, () =>
				uuidv7From(ts, `session\n${vkey}\n${ts}\n${path}`)
			);
		}
		visitor.session = session;
		return session;
	}

	private milestones(
		session: SessionState,
		base: Omit<StoredRecord, 'type'> & Record<string, unknown>
	): StoredRecord[] {
		if (this.options.milestones === false) return [];
		// Counted where the session began (records.ts): its entry pageview's time.
		const since = sinceEntry(session, Number(base.ts), LIMITS.pastMs);
		return newMilestones(session).map((milestone) => {
			const _id = uuidv7From(Number(base.ts), `milestone\n${session.id}\n${milestone}`);
			return {
				_id,
				_rev: revisionFor(_id),
				v: 1,
				type: 'milestone',
				milestone,
				...(since !== undefined ? { since } : {}),
				site: base.site,
				ts: base.ts,
				sid: base.sid,
				vid: base.vid,
				path: base.path,
				// A session whose first line was no pageview has neither (an undefined field is
				// one the validation refuses: such a session's milestones failed their line).
				...(base.src !== undefined ? { src: base.src } : {}),
				...(base.land !== undefined ? { land: base.land } : {}),
				...(base.host !== undefined ? { host: base.host } : {}),
				receivedAt: base.receivedAt
			} as StoredRecord;
		});
	}
}

/** A line's type with the fields only that type has. */
type OwnFields =
	| { type: 'pageview' }
	| { type: 'event'; name: string; props?: Record<string, string | number | boolean> }
	| { type: 'heartbeat'; engagedMs: number };

/**
 * The type of a line and the fields only it has, checked before any state changes: `own`
 * as the record holds them (text cleaned: src/lib/text.ts), `meaning` as its id is derived
 * from them, the event's name and props as read before text was cleaned, so that a file
 * imported by an earlier version gets the same ids (README "Importing"); and for a
 * pageview, `engaged`: its `engaged_ms` as the tracker's heartbeats would carry it.
 * @throws {ImportLineError} for an event without a name, bad props or bad engaged time.
 */
function ownFields(
	type: 'pageview' | 'event' | 'heartbeat',
	row: InputRow,
	line: number
): { own: OwnFields; meaning: Record<string, unknown>; engaged: number[]; cuts?: Cuts } {
	if (type === 'event') {
		const given = str(row.event);
		const cuts: Cuts = {};
		const name = clipNoted(cuts, 'eventName', given, LIMITS.eventName);
		if (!given || !name) throw new ImportLineError(line, 'an event needs an event name');
		const { props, read } = propsOf(row.props, line, cuts);
		return {
			own: { type, name, ...(props && { props }) },
			meaning: { type, name: given.slice(0, LIMITS.eventName), ...(read && { props: read }) },
			engaged: [],
			cuts
		};
	}
	if (type === 'heartbeat') {
		const engagedMs = engagedOf(row, line, LIMITS.heartbeatMs);
		return { own: { type, engagedMs }, meaning: { type, engagedMs }, engaged: [] };
	}
	// A pageview record has no engaged time: the tracker sends it in heartbeats of the
	// page view, each of at most LIMITS.heartbeatMs.
	const engaged: number[] = [];
	if (str(row.engaged_ms) !== undefined) {
		const total = engagedOf(row, line, MAX_PAGEVIEW_ENGAGED_MS, ' on a pageview line');
		for (let left = total; left > 0; left -= LIMITS.heartbeatMs)
			engaged.push(Math.min(left, LIMITS.heartbeatMs));
	}
	return { own: { type }, meaning: { type }, engaged };
}

/**
 * A line's `engaged_ms`: a whole number from 0 to `max`.
 * @throws {ImportLineError} naming the bound and the value given.
 */
function engagedOf(row: InputRow, line: number, max: number, where = ''): number {
	const engagedMs = Number(row.engaged_ms);
	if (!Number.isInteger(engagedMs) || engagedMs < 0 || engagedMs > max) {
		throw new ImportLineError(
			line,
			`engaged_ms${where} must be a whole number from 0 to ${max}${got(row.engaged_ms)}`
		);
	}
	return engagedMs;
}

/**
 * A heartbeat of `engagedMs` on `base`'s page, counted in its session's engaged time, with
 * the time since the session's entry pageview (records.ts), as its milestones.
 */
function heartbeat(
	base: Omit<StoredRecord, 'type'>,
	session: SessionState,
	engagedMs: number
): StoredRecord {
	session.ms += engagedMs;
	const since = sinceEntry(session, base.ts, LIMITS.pastMs);
	return { ...base, type: 'heartbeat', engagedMs, ...(since !== undefined ? { since } : {}) };
}

/**
 * A UUIDv7 whose 48 time bits are `ts` and whose other 74 bits come from a hash of
 * `seed`: deterministic, time-ordered, and valid for the id scheme of records.ts. The
 * shared formatter fed by the hash instead of random bytes (times outside 48 bits wrap).
 */
export function uuidv7From(ts: number, seed: string): string {
	const digest = createHash('sha256').update(seed).digest();
	return uuidv7(Math.max(0, Math.floor(ts)) % 2 ** 48, (bytes) => {
		bytes.set(digest.subarray(0, bytes.length));
		return bytes;
	});
}

/**
 * A line's referrer as records keep it (`referrerOf`: no query, fragment or userinfo,
 * bounded), or undefined when it has none, its host is no plausible
 * source, or it holds a control character, which no browser's address does (a session
 * from it counts as `(direct)`, in `src` and the views alike).
 */
function plausibleReferrer(ref: string | undefined): string | undefined {
	if (ref && !hasNoControl(ref)) return undefined;
	const host = referrerHost(ref);
	return host === undefined || (host.length <= LIMITS.source && SOURCE_PATTERN.test(host))
		? ref && referrerOf(ref)
		: undefined;
}

/** JSON with every object's keys in code-point order, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

function hash(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

function str(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const s = String(value).trim();
	return s ? s : undefined;
}

/**
 * A date-time as ISO 8601 writes it with its offset: `2026-11-21T14:05:00Z`,
 * `2026-11-21 15:05:00.250+01:00` (`T` or a space; seconds and a fraction optional;
 * `Z`, `+hh:mm`, `+hhmm` or `+hh`).
 */
const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$/i;

/** What {@link readTimestamp} made of a value: its time, or what is wrong with it. */
export type TimestampRead = { ts: number } | { fault: string };

/**
 * A timestamp in epoch ms: epoch seconds or milliseconds (a number, or digits; seconds
 * below 10^11), or an ISO 8601 date-time with its offset. Nothing is guessed: a date-time
 * without an offset would be read in the importing machine's zone (`Date.parse` does: an
 * outside probe's one file put its records hours apart on two machines), a date alone has
 * no time of day, and a day the calendar does not have (`2026-02-29`) would roll over into
 * the next month; each is refused, saying what to write instead.
 */
export function readTimestamp(value: unknown): TimestampRead {
	const bad = { fault: `must be ${TIMESTAMP_FORMS}${got(value)}` };
	if (
		typeof value === 'number' ||
		(typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))
	) {
		const n = Number(value);
		if (!Number.isFinite(n) || n < 0) return bad;
		return { ts: Math.round(n < 1e11 ? n * 1000 : n) };
	}
	if (typeof value !== 'string') return bad;
	const text = value.trim();
	if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
		return { fault: `has no time of day${got(value)}: write ${text}T00:00:00Z for UTC midnight` };
	}
	const m = DATE_TIME.exec(text);
	if (!m) return bad;
	const [, y, mo, d, h, mi, sec = '0', fraction = '', zulu, sign, oh, om = '0'] = m;
	const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number);
	if (hour > 23 || minute > 59 || second > 59) {
		return { fault: `names a time of day that does not exist${got(value)}` };
	}
	// setUTCFullYear, unlike Date.UTC, takes years 0–99 as they are.
	const date = new Date(0);
	date.setUTCFullYear(year, month - 1, day);
	if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
		return { fault: `names a day the calendar does not have${got(value)}` };
	}
	const at =
		date.getTime() +
		((hour * 60 + minute) * 60 + second) * 1000 +
		Number(fraction.padEnd(3, '0').slice(0, 3));
	if (!zulu && !sign) {
		return {
			fault: `has no offset${got(value)}: add Z for UTC (${text}Z) or the offset it was written in (${text}+01:00)`
		};
	}
	if (Number(oh ?? 0) > 23 || Number(om) > 59) {
		return { fault: `names an offset that does not exist${got(value)}` };
	}
	const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
	return { ts: at - offset * 60_000 };
}

/** The timestamp forms {@link readTimestamp} accepts, for messages. */
const TIMESTAMP_FORMS =
	'ISO 8601 with an offset (2026-11-21T14:05:00Z) or epoch seconds or milliseconds';

/**
 * A line's time in epoch ms.
 * @throws {ImportLineError} saying whether the timestamp is missing or what is wrong with it.
 */
function timestampOf(row: InputRow, line: number): number {
	if (str(row.timestamp) === undefined) {
		throw new ImportLineError(line, `needs a timestamp: ${TIMESTAMP_FORMS}`);
	}
	const read = readTimestamp(row.timestamp);
	if ('fault' in read) throw new ImportLineError(line, `timestamp ${read.fault}`);
	return read.ts;
}

/**
 * A line's path, and the UTM parameters of its query: from the `path` column, else from
 * `url`, which holds a full URL or, as other analytics exports give it, a path.
 * @throws {ImportLineError} naming the column that lacks a path, with its value.
 */
function pathOf(
	row: InputRow,
	line: number
): { path: string; utmFromUrl: Record<string, string>; pathCut: boolean; utmCuts: number } {
	const given = str(row.path);
	if (given !== undefined) {
		// As a browser's URL holds it (and the tracker records it): `/café` is `/caf%C3%A9`.
		const path = canonicalPath(given.replace(/[?#].*$/, ''));
		if (!path.startsWith('/')) {
			throw new ImportLineError(line, `path must start with /${got(row.path)}`);
		}
		// Its query's UTM parameters too, as a url's (an outside re-check: they were dropped).
		const query = new URLSearchParams(/\?([^#]*)/.exec(given)?.[1] ?? '');
		return {
			path: cutEncoded(path, LIMITS.path),
			utmFromUrl: { ...utmOfQuery(query) },
			pathCut: path.length > LIMITS.path,
			utmCuts: utmCutsOf(query)
		};
	}
	const url = str(row.url);
	if (url === undefined) {
		throw new ImportLineError(line, 'needs a path or a url');
	}
	let parsed: URL | undefined;
	try {
		// A path resolves against a placeholder origin; anything else must be a full URL.
		parsed = url.startsWith('/') ? new URL(url, 'http://path.invalid') : new URL(url);
	} catch {
		parsed = undefined;
	}
	if (!parsed?.pathname.startsWith('/')) {
		throw new ImportLineError(
			line,
			`url must be a full URL (https://example.com/page) or a path starting with /${got(row.url)}`
		);
	}
	return {
		path: cutEncoded(parsed.pathname, LIMITS.path),
		utmFromUrl: { ...utmOfQuery(parsed.searchParams) },
		pathCut: parsed.pathname.length > LIMITS.path,
		utmCuts: utmCutsOf(parsed.searchParams)
	};
}

/** How many UTM values of a query the tracker's `utmOf` cuts to `LIMITS.utm`. */
function utmCutsOf(query: URLSearchParams): number {
	return UTM_KEYS.filter((key) => cleanText(query.get(`utm_${key}`) ?? '').length > LIMITS.utm)
		.length;
}

/**
 * A line's page host (`BaseRecord.host`, by `pageHost`: lowercase, punycode, no port): its
 * `hostname` column (Plausible's and GA4's name for it), else the host of its `url` when
 * that is a full URL; undefined when the line names none, as exports of one host do.
 * @throws {ImportLineError} when `hostname` names no host a page could have.
 */
function hostOf(row: InputRow, line: number): string | undefined {
	const given = str(row.hostname);
	if (given !== undefined) {
		const host = pageHost(given);
		if (!host) throw new ImportLineError(line, `hostname must be a host name${got(row.hostname)}`);
		return host;
	}
	const url = str(row.url);
	return url && /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? pageHost(url) : undefined;
}

/** A line's language tag as the ingest keeps it, or nothing for one it would refuse. */
function langOf(row: InputRow): { lang?: string } {
	const given = str(row.lang);
	const lang = given && languageTag(given);
	return lang && lang.length <= LIMITS.lang && LANG_PATTERN.test(lang) ? { lang } : {};
}

/** ` (got "…")`: a bad value as the line gave it, cut to 60 characters, for a message. */
function got(value: unknown): string {
	const shown = JSON.stringify(value) ?? String(value);
	return ` (got ${shown.length > 60 ? shown.slice(0, 60) + '…' : shown})`;
}

/**
 * A line's type: its `type` column; without one, an event when it names one, else a
 * pageview. Never guessed from an optional column: an importer until 2026-12-07 took a
 * line with `engaged_ms` for a heartbeat, and a GA- or Plausible-derived export of
 * pageviews with their engaged time came out as 0 pageviews and 0 sessions (an outside
 * probe). Undefined for a `type` that is none of the three.
 */
function recordType(row: InputRow): 'pageview' | 'event' | 'heartbeat' | undefined {
	const type = str(row.type);
	if (type === 'pageview' || type === 'event' || type === 'heartbeat') return type;
	if (type) return undefined;
	return str(row.event) ? 'event' : 'pageview';
}

/**
 * Whether an importer until 2026-12-07 took this line for a heartbeat: no type, no
 * event, and `engaged_ms` (its records are found under its heartbeat's id).
 */
function tookForHeartbeat(row: InputRow): boolean {
	return !str(row.type) && !str(row.event) && str(row.engaged_ms) !== undefined;
}

/** The UTM parameters, by their names after `utm_`. */
const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

/** A line's `utm_*` columns, and how many of them were cut to `LIMITS.utm`. */
function utmOf(row: InputRow): { utm: Record<string, string>; cuts: number } {
	const utm: Record<string, string> = {};
	const cuts: Cuts = {};
	for (const key of UTM_KEYS) {
		const value = clipNoted(cuts, 'utm', str(row[`utm_${key}`]), LIMITS.utm);
		if (value) utm[key] = value;
	}
	return { utm, cuts: cuts.utm ?? 0 };
}

function enrichment(row: InputRow): Record<string, string> {
	const out: Record<string, string> = {};
	// Cleaned as the tracker's text is (the ingest derives its own from the user agent).
	const browser = clip(str(row.browser), 40);
	const os = clip(str(row.os), 40);
	const device = str(row.device)?.toLowerCase();
	const country = str(row.country)?.toUpperCase();
	if (browser) out.browser = browser;
	if (os) out.os = os;
	if (device && ['desktop', 'mobile', 'tablet', 'other'].includes(device)) out.device = device;
	if (country && /^[A-Z]{2}$/.test(country)) out.country = country;
	return out;
}

function screenOf(row: InputRow): { screen?: ScreenClass } {
	const screen = str(row.screen)?.toLowerCase() as ScreenClass | undefined;
	return screen && SCREEN_CLASSES.includes(screen) ? { screen } : {};
}

/** The props of a line: as the record holds them, and as read before text was cleaned (`read`, for its id). */
type Props = Record<string, string | number | boolean>;

function propsOf(value: unknown, line: number, cuts: Cuts): { props?: Props; read?: Props } {
	if (value === undefined || value === null || value === '') return {};
	let props = value;
	if (typeof value === 'string') {
		try {
			props = JSON.parse(value);
		} catch {
			throw new ImportLineError(line, 'props must be a JSON object');
		}
	}
	if (!props || typeof props !== 'object' || Array.isArray(props)) {
		throw new ImportLineError(line, 'props must be a JSON object');
	}
	const reserved = Object.keys(props).find((key) => RESERVED_PROP_NAMES.includes(key));
	if (reserved) throw new ImportLineError(line, `props.${reserved} is a reserved prop name`);
	const out: Props = {};
	const read: Props = {};
	const given = Object.entries(props);
	noteCut(cuts, 'props', given.length - LIMITS.props);
	for (const [key, v] of given.slice(0, LIMITS.props)) {
		if (
			typeof v !== 'string' &&
			typeof v !== 'boolean' &&
			!(typeof v === 'number' && Number.isFinite(v))
		) {
			noteCut(cuts, 'propType');
			continue;
		}
		read[key.slice(0, LIMITS.propKey)] = typeof v === 'string' ? v.slice(0, LIMITS.propValue) : v;
		const name = clipNoted(cuts, 'propKey', key, LIMITS.propKey);
		const kept = typeof v === 'string' ? clipNoted(cuts, 'propValue', v, LIMITS.propValue) : v;
		if (name && kept !== undefined) out[name] = kept;
	}
	return {
		...(Object.keys(out).length && { props: out }),
		...(Object.keys(read).length && { read })
	};
}
