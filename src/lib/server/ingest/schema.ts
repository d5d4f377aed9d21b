/**
 * The ingest's per-document schemas: one valibot schema per record type, typed to
 * agree exactly with the record contract in `$lib/records` (a drift fails
 * `svelte-check` through the assertions at the bottom of this file).
 *
 * The schemas refuse rather than repair: the tracker trims to {@link LIMITS}, so a
 * record over a limit is not from our tracker. Two repairs, of what trackers already
 * deployed send: a lone surrogate (which CouchDB would refuse as invalid UTF-8, and
 * which a tracker's truncation can produce by cutting an emoji in half) becomes U+FFFD;
 * the text a page collects (titles, campaigns, event names and props, the session's
 * source) is cleaned as the tracker now cleans it (`cleanText` in src/lib/text.ts: a
 * control character becomes a space), since a tracker before it sent a mangled link's
 * `utm_source=x%01y` in the source of every record of the visit; the functions that
 * clean it (visitor-text.ts) clean a restored export's records too. An address (a path,
 * a referrer), which a browser percent-encodes, must hold no control character. And a
 * referrer is kept as the tracker keeps it (`referrerOf`): a client other than the
 * tracker may send its query, which may name the visitor (a webmail's `?user=`).
 */
import * as v from 'valibot';
import {
	canonicalPath,
	ID_PATTERN,
	LANG_PATTERN,
	languageTag,
	PATH_PATTERN,
	LIMITS,
	referrerOf,
	MILESTONES,
	RECORD_VERSION,
	RESERVED_PROP_NAMES,
	SCREEN_CLASSES,
	SOURCE_PATTERN,
	HOST_PATTERN,
	type DroppedRecord,
	type EventRecord,
	type HeartbeatRecord,
	type MilestoneRecord,
	type PageviewRecord,
	revisionFor
} from '$lib/records';
import { isTimeZone, SITE_ID_PATTERN } from '../accounts/sites';
import { TRAIL_STEPS } from '../../classify/rules';
import { isPlainObject } from './body';
import { hasNoControl } from '../../text';
import { repairSource, visitorText } from './visitor-text';

/** A visitor id: a random token of 16–64 URL-safe characters (a UUID qualifies). */
export const VISITOR_ID_PATTERN = /^[0-9A-Za-z_-]{16,64}$/;

/**
 * Text a page collects, as the tracker sends it: one line (`cleanText`: each run of
 * whitespace and control characters one space, trimmed), well-formed, at most `max`
 * characters. Only repairs come before the length, so that in a union (a prop's value)
 * a string too long is refused for its length, not as of no type.
 */
function text(max: number) {
	return v.pipe(
		v.string(),
		v.transform(visitorText),
		v.maxLength(max, `must be at most ${max} characters`)
	);
}

/** A trimmed address (a path, a referrer) of at most `max` characters, with no control character. */
function addressText(max: number) {
	return v.pipe(
		v.string(),
		v.check(hasNoControl, 'must not contain control characters'),
		v.transform((s) => s.toWellFormed()),
		v.trim(),
		v.maxLength(max, `must be at most ${max} characters`)
	);
}

/**
 * A site-relative path: starts with `/`, carries no query string, no fragment but a `#/`
 * route. Stored as a browser's URL holds it (`canonicalPath`): a path sent with raw
 * characters a URL cannot hold (`/café`, from no browser) is the page browsers send as
 * `/caf%C3%A9`, not another that reads alike.
 */
function pathText() {
	return v.pipe(
		addressText(LIMITS.path),
		v.transform(canonicalPath),
		v.maxLength(LIMITS.path, `must be at most ${LIMITS.path} characters once percent-encoded`),
		v.regex(
			PATH_PATTERN,
			'must be a path starting with / without query or fragment (but a #/ route)'
		)
	);
}

const idSchema = v.pipe(v.string(), v.regex(ID_PATTERN, 'must be a lowercase UUIDv7'));

const baseEntries = {
	_id: idSchema,
	_rev: v.pipe(v.string(), v.regex(/^1-[0-9a-f]{32}$/, 'must be the revision derived from _id')),
	v: v.literal(RECORD_VERSION, `must be ${RECORD_VERSION}`),
	site: v.pipe(v.string(), v.regex(SITE_ID_PATTERN, 'must be a site id')),
	ts: v.pipe(v.number(), v.safeInteger('must be whole milliseconds since the epoch')),
	local: v.optional(v.literal(true, 'must be true when present')),
	sid: v.pipe(v.string(), v.regex(ID_PATTERN, 'must be a lowercase UUIDv7')),
	vid: v.pipe(v.string(), v.regex(VISITOR_ID_PATTERN, 'must be 16–64 URL-safe characters')),
	path: pathText(),
	src: v.optional(
		v.pipe(
			v.string(),
			v.transform(repairSource),
			text(LIMITS.source),
			v.regex(
				SOURCE_PATTERN,
				'must be (direct) or a lowercase source name: a host without port, or the utm_source of a tagged link'
			)
		)
	),
	land: v.optional(pathText()),
	host: v.optional(
		v.pipe(
			v.string(),
			v.maxLength(253),
			v.regex(HOST_PATTERN, 'must be a host name as a URL writes it, without a port')
		)
	)
};

const utmText = v.optional(text(LIMITS.utm));

/** A pageview record. */
export const pageviewSchema = v.strictObject({
	...baseEntries,
	type: v.literal('pageview'),
	title: v.optional(text(LIMITS.title)),
	// Kept as the tracker keeps it, whoever sent it: without query, fragment or userinfo.
	ref: v.optional(
		v.pipe(
			addressText(LIMITS.referrer),
			v.regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
			v.transform(referrerOf)
		)
	),
	utm: v.optional(
		v.strictObject({
			source: utmText,
			medium: utmText,
			campaign: utmText,
			term: utmText,
			content: utmText
		})
	),
	screen: v.optional(v.picklist(SCREEN_CLASSES)),
	lang: v.optional(
		v.pipe(
			v.string(),
			// A browser's tag with extensions is valid, and cut rather than refused.
			v.maxLength(256),
			v.transform(languageTag),
			v.maxLength(LIMITS.lang),
			v.regex(LANG_PATTERN, 'must be a language tag like en-GB')
		)
	),
	tz: v.optional(
		v.pipe(
			v.string(),
			v.maxLength(64),
			v.check(isTimeZone, 'must be an IANA time zone like Europe/Paris')
		)
	),
	entry: v.boolean(),
	firstOfDay: v.boolean(),
	opensDay: v.optional(v.boolean()),
	firstEver: v.boolean(),
	pathFirstOfDay: v.optional(v.boolean()),
	srcFirstOfDay: v.optional(v.boolean()),
	srcPathFirstOfDay: v.optional(v.boolean()),
	hostFirstOfDay: v.optional(v.boolean()),
	from: v.optional(pathText()),
	left: v.optional(pathText()),
	revisit: v.optional(v.boolean()),
	trail: v.optional(
		v.pipe(
			v.array(pathText()),
			v.maxLength(TRAIL_STEPS - 1, `must hold at most ${TRAIL_STEPS - 1} paths`)
		)
	),
	notFound: v.optional(v.boolean())
});

const propValue = v.union([
	text(LIMITS.propValue),
	v.pipe(v.number(), v.finite('must be a finite number')),
	v.boolean()
]);

/** A list of prop keys (an event's `propFirstOfSession`, `propFirstOfDay`). */
function propKeys() {
	return v.pipe(
		v.array(v.pipe(text(LIMITS.propKey), v.minLength(1, 'prop names must not be empty'))),
		v.maxLength(LIMITS.props, `must hold at most ${LIMITS.props} prop names`)
	);
}

/** A custom or automatic event record. */
export const eventSchema = v.strictObject({
	...baseEntries,
	type: v.literal('event'),
	name: v.pipe(text(LIMITS.eventName), v.minLength(1, 'must not be empty')),
	props: v.optional(
		v.pipe(
			v.record(
				v.pipe(text(LIMITS.propKey), v.minLength(1, 'prop names must not be empty')),
				propValue
			),
			v.check(
				(props) => Object.keys(props).length <= LIMITS.props,
				`must have at most ${LIMITS.props} props`
			)
		)
	),
	firstOfSession: v.optional(v.boolean()),
	firstOfDay: v.optional(v.boolean()),
	opensDay: v.optional(v.boolean()),
	propFirstOfSession: v.optional(propKeys()),
	propFirstOfDay: v.optional(propKeys())
});

/** A record's `since`: whole milliseconds from its session's entry, at most 30 days. */
const sinceEntrySchema = v.optional(
	v.pipe(
		v.number(),
		v.safeInteger(),
		v.minValue(0),
		v.maxValue(LIMITS.pastMs, `must be at most ${LIMITS.pastMs} (30 days)`)
	)
);

/** A heartbeat record: engaged time since the previous one. */
export const heartbeatSchema = v.strictObject({
	...baseEntries,
	type: v.literal('heartbeat'),
	engagedMs: v.pipe(
		v.number(),
		v.safeInteger(),
		v.minValue(0),
		v.maxValue(LIMITS.heartbeatMs, `must be at most ${LIMITS.heartbeatMs}`)
	),
	scroll: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(100))),
	scrollFrom: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(100))),
	since: sinceEntrySchema
});

/** A session milestone record. */
export const milestoneSchema = v.strictObject({
	...baseEntries,
	type: v.literal('milestone'),
	milestone: v.picklist(MILESTONES),
	since: sinceEntrySchema
});

/** How many records the tracker's bounded outbox dropped. */
export const droppedSchema = v.strictObject({
	...baseEntries,
	type: v.literal('dropped'),
	count: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1_000_000))
});

/** Any record, dispatched on `type`. */
export const clientRecordSchema = v.variant(
	'type',
	[pageviewSchema, eventSchema, heartbeatSchema, milestoneSchema, droppedSchema],
	'must be one of pageview, event, heartbeat, milestone, dropped'
);

/** A record that passed validation, as the schemas output it. */
export type ValidRecord = v.InferOutput<typeof clientRecordSchema>;

/** Either the validated record or why it was refused. */
export type Checked = { ok: true; record: ValidRecord } | { ok: false; reason: string };

/**
 * Validates one document as sent by a browser, independent of the request: shape,
 * types, limits, the id scheme and the id-derived revision, the event time window.
 * Site and origin checks need the sites database and happen in `bulk-docs.ts`.
 * A `local` record (made on the browser's own clock) has `skew` added to its `ts`
 * before the window is checked, and comes out without the flag.
 * @param raw The parsed JSON document.
 * @param now Server time in ms, for the event time window.
 * @param skew Server clock minus browser clock as the request shows it, ms.
 */
export function checkRecord(raw: unknown, now: number, skew = 0): Checked {
	if (!isPlainObject(raw)) return { ok: false, reason: 'a document must be a JSON object' };
	const doc = raw;
	const refused = refuseSpecial(doc);
	if (refused) return { ok: false, reason: refused };
	// Before JSON.stringify, which throws on a document nested a few thousand deep.
	if (nestedDeeperThan(doc, MAX_DEPTH)) {
		return { ok: false, reason: `the document is nested more than ${MAX_DEPTH} levels deep` };
	}
	const reserved = reservedPropName(doc.props);
	if (reserved !== undefined) {
		return { ok: false, reason: `props.${reserved}: is a reserved name; use another prop name` };
	}

	const bytes = Buffer.byteLength(JSON.stringify(doc));
	if (bytes > LIMITS.docBytes) {
		return { ok: false, reason: `document is ${bytes} bytes; the limit is ${LIMITS.docBytes}` };
	}

	const { _revisions, ...rest } = doc;
	if (_revisions !== undefined && !isOwnRevisions(_revisions, rest._id)) {
		return { ok: false, reason: '_revisions must hold only the revision derived from _id' };
	}
	const result = v.safeParse(clientRecordSchema, rest);
	if (!result.success) return { ok: false, reason: describeIssue(result.issues[0]) };
	const record = result.output;
	if (record._rev !== revisionFor(record._id)) {
		return { ok: false, reason: '_rev must be the revision derived from _id' };
	}
	if (record.local) {
		record.ts += skew;
		delete record.local;
	}
	if (record.ts < now - LIMITS.pastMs || record.ts > now + LIMITS.futureMs) {
		return { ok: false, reason: 'ts must be within the last 30 days and at most 5 minutes ahead' };
	}
	return { ok: true, record };
}

/**
 * Objects nested deeper than this are no record (a record's deepest value is at 3); the
 * importer holds its lines to it too.
 */
export const MAX_DEPTH = 8;

/** Whether objects and arrays nest deeper than `max` levels; iterative, so any depth is safe. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
	const stack: [unknown, number][] = [[value, 1]];
	for (let item = stack.pop(); item; item = stack.pop()) {
		const [node, depth] = item;
		if (typeof node !== 'object' || node === null) continue;
		if (depth > max) return true;
		for (const child of Object.values(node)) stack.push([child, depth + 1]);
	}
	return false;
}

function reservedPropName(props: unknown): string | undefined {
	if (!isPlainObject(props)) return undefined;
	return Object.keys(props).find((name) => RESERVED_PROP_NAMES.includes(name));
}

/** Reasons for documents that are not records at all, checked before the schema. */
function refuseSpecial(doc: Record<string, unknown>): string | undefined {
	const id = doc._id;
	if (typeof id === 'string' && id.startsWith('_design/')) return 'design documents are refused';
	if (typeof id === 'string' && id.startsWith('_local/')) return 'local documents are refused';
	if ('_deleted' in doc) return 'deletions are refused';
	if ('_attachments' in doc) return 'attachments are refused';
	return undefined;
}

/**
 * PouchDB's replicator sends `_revisions` with `new_edits: false`. A record has one
 * revision, so the only acceptable history is `{start: 1, ids: [<id's hex digits>]}`.
 */
function isOwnRevisions(revisions: unknown, id: unknown): boolean {
	if (typeof id !== 'string' || typeof revisions !== 'object' || revisions === null) return false;
	const r = revisions as Record<string, unknown>;
	return (
		Object.keys(r).length === 2 &&
		r.start === 1 &&
		Array.isArray(r.ids) &&
		r.ids.length === 1 &&
		r.ids[0] === revisionFor(id).slice(2)
	);
}

/** A valibot issue as one line naming the field: `path: message`, or `path: is not a known field`. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
	const path = v.getDotPath(issue);
	if (issue.type === 'strict_object' && issue.expected === 'never' && path) {
		return `${path}: is not a known field`;
	}
	const message = issue.message.slice(0, 200);
	return path ? `${path}: ${message}` : message;
}

// ---- The schemas and the record contract must agree exactly. ----

type Equals<A, B> =
	(<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/** Compile-time proof that each schema's output is exactly its record type. */
export type SchemasAgreeWithRecords = [
	Assert<Equals<v.InferOutput<typeof pageviewSchema>, PageviewRecord>>,
	Assert<Equals<v.InferOutput<typeof eventSchema>, EventRecord>>,
	Assert<Equals<v.InferOutput<typeof heartbeatSchema>, HeartbeatRecord>>,
	Assert<Equals<v.InferOutput<typeof milestoneSchema>, MilestoneRecord>>,
	Assert<Equals<v.InferOutput<typeof droppedSchema>, DroppedRecord>>
];
