/**
 * The record contract shared by the tracker (which writes records), the ingest
 * endpoint (which validates and enriches them) and the CouchDB views (which count
 * them). Every fact is one immutable document; nothing is ever updated in place.
 *
 * Types plus a few constants and small helpers: this module must stay free of runtime weight
 * because the tracker's synchronous bundle imports it (what it does not use is left out).
 */
import { cleanText } from './text.ts';
import { asciiHost } from './host-names.ts';

/** Version of the record schema, stored in every record as `v`. */
export const RECORD_VERSION = 1;

/** Record types, in the `type` field of every record. */
export const RECORD_TYPES = ['pageview', 'event', 'heartbeat', 'milestone', 'dropped'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * Session milestones, each emitted at most once per session by the browser:
 * - `actual`: the session passed 10 s of engaged time;
 * - `engaged`: the session is actual and has at least one interaction after its
 *   opening pageview;
 * - `nonbounce`: the session is actual or has more than one pageview (so
 *   bounce rate = 1 − nonbounce ÷ sessions is a ratio of two `_count`s).
 */
export const MILESTONES = ['actual', 'engaged', 'nonbounce'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Screen-size classes (`screen` on pageviews), by CSS pixel width of the viewport. */
export const SCREEN_CLASSES = ['mobile', 'tablet', 'laptop', 'desktop'] as const;
export type ScreenClass = (typeof SCREEN_CLASSES)[number];

/** Device types the server reduces a user agent to. */
export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/**
 * A clock difference below this many ms is a request's usual time on its way or a
 * measure's error, not a wrong clock: the ingest moves records by no less, nor does the
 * tracker stamp them by less; it moves an open session's clock (for its days) only when
 * a new measure differs this much, and a page drops its measure of the server's clock
 * (until the next answer) when its own clock moves this much against `performance.now()`.
 */
export const TRANSIT_MS = 2000;

/**
 * The longest a tracker request can be on its way, ms: the tracker gives up on one after
 * this. A request whose lag (arrival minus `sent`) differs from its `offset` by more was
 * sent by a browser whose clock changed since its measure: the ingest trusts the lag.
 */
export const REQUEST_MS = 30_000;

/**
 * The header of every ingest answer that tells the server's clock (ms since the epoch) in
 * the middle of the request's time in the server: a tracker takes the middle of the
 * request's round trip as that moment, so each answer measures the server's clock
 * (the offset of its later records and requests) without a request of its own.
 */
export const NOW_HEADER = 'X-Couchstats-Now';

/**
 * The header of an ingest answer that stored records of one site: that site's time zone
 * as its settings have it, the zone its days are counted in. The tracker flags a
 * visitor's first page view of the day by it, so a snippet without `data-time-zone`, or
 * one left with the zone the site had before a change, still flags the site's days (an
 * outside check: a new visitor whose first visit crossed the site's midnight was no
 * visitor of the new day, the page's snippet having no zone).
 */
export const ZONE_HEADER = 'X-Couchstats-Zone';

/** The longest referrer a record keeps ({@link referrerOf}; a constant of its own, which the tracker's core takes without `LIMITS`). */
const REFERRER_MAX = 512;

/**
 * The header of an ingest answer that stored records of one site (as {@link ZONE_HEADER}):
 * that site's host names, separated by spaces, as its settings have them. The tracker
 * learns the site's own hosts by it, without a setting in the snippet: a referrer from one
 * of them is no source, a link to one no outbound link (site-hosts.ts).
 */
export const HOSTS_HEADER = 'X-Couchstats-Hosts';

/**
 * A record's `host` ({@link BaseRecord.host}): a page's host name as a URL's `hostname`
 * writes it, which is how browsers give `location.hostname`: lowercase, a name in another
 * script in punycode, an IPv6 address in brackets, and never a port (`localhost:5173` and
 * `localhost:8080` are one host, as a site's entry without a port takes both). At most 253
 * characters, a DNS name's longest. `pageHost` in site-hosts.ts reads one from a URL or a
 * host an import file gives.
 */
export const HOST_PATTERN = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/;

/**
 * The largest a record may be, in bytes of its JSON (UTF-8): the ingest refuses a larger
 * one, and the tracker drops it unsent (delivery.ts). A constant of its own, which the
 * tracker's core takes without `LIMITS`.
 */
export const DOC_BYTES = 4096;

/** Limits shared by the tracker (which trims) and the ingest (which refuses). */
export const LIMITS = {
	/** Maximum serialized size of one record, in bytes ({@link DOC_BYTES}). */
	docBytes: DOC_BYTES,
	/** Maximum length of a path, title, referrer or event name. */
	path: 512,
	title: 256,
	referrer: REFERRER_MAX,
	/** Maximum length of a session's source (`src`): a DNS name is at most 253 characters. */
	source: 253,
	eventName: 64,
	/** Maximum number of props on an event, and their key and value lengths. */
	props: 16,
	propKey: 64,
	propValue: 256,
	/** Maximum length of a UTM value. */
	utm: 128,
	/** Maximum length of a language tag (`lang`), as kept: {@link languageTag}. */
	lang: 35,
	/** Maximum engaged milliseconds one heartbeat may carry (a heartbeat every 30 s, with slack). */
	heartbeatMs: 120_000,
	/** Records per `_bulk_docs` request and bytes per request body. */
	docsPerRequest: 500,
	requestBytes: 1_048_576,
	/** Accepted event time window relative to the server's clock. */
	pastMs: 30 * 24 * 3600_000,
	futureMs: 5 * 60_000
} as const;

/**
 * Prop names no record may carry: a JavaScript object cannot hold them as plain data
 * (assigning `__proto__` replaces a prototype; valibot's `record` drops all three).
 * The tracker leaves them out; the ingest refuses a record that has one.
 */
export const RESERVED_PROP_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * The `_id` scheme: a lowercase UUIDv7 (time-ordered, 74 random bits). The tracker
 * mints it; the import tool derives it deterministically from the source line.
 */
export const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Fills a byte array with random (or derived) values and returns it; injectable for tests. */
export type RandomSource = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array;

/** The platform's cryptographically strong random source (browsers and Node alike). */
export const cryptoRandom: RandomSource = (bytes) => crypto.getRandomValues(bytes);

/**
 * Formats a lowercase UUIDv7 ({@link ID_PATTERN}, RFC 9562): 48 bits of Unix milliseconds,
 * the version, then 74 bits from `random`. The one formatter of record ids: the tracker
 * feeds it random bytes, the importer bytes derived from the source line. Written here
 * rather than taken from a package because the tracker's core, which every page loads,
 * includes it.
 *
 * @param now - Milliseconds since the epoch (0 to 2^48 − 1); ids sort by this value.
 * @param random - Source of the 10 bytes whose first 74 bits are used (default:
 *   `crypto.getRandomValues`).
 */
export function uuidv7(now: number, random: RandomSource = cryptoRandom): string {
	const t = Math.floor(now).toString(16).padStart(12, '0');
	let r = '';
	for (const b of random(new Uint8Array(10))) r += (b + 256).toString(16).slice(1);
	const variant = ((parseInt(r[3], 16) & 3) | 8).toString(16);
	return `${t.slice(0, 8)}-${t.slice(8)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(7, 19)}`;
}

/** When a UUIDv7 ({@link uuidv7}) was made: its first 48 bits, Unix milliseconds. */
export function uuidTime(id: string): number {
	return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * The `_rev` scheme: records are written with `new_edits: false` and a revision
 * derived from the id (`1-` + the id's 32 hex digits), so every copy of a record (in
 * a request, a retry, the outbox, a closing page's journal, an import) carries the
 * same `_id` and `_rev` and CouchDB stores it once however many times it arrives.
 */
export const REV_PATTERN = /^1-[0-9a-f]{32}$/;

/**
 * A record's `path` (and `from`, `land`): a site-relative path without query string or
 * fragment, except a hash route (`#/…`, recorded in the tracker's hash-routing mode):
 * `/pricing`, `/app/#/users/1`.
 */
export const PATH_PATTERN = /^\/[^?#]*(#\/[^?#]*)?$/;

/**
 * A path as a browser's URL holds it, which is how the tracker records it (`pathname`,
 * and `hash` for a hash route): the characters a URL cannot hold as they are (non-ASCII
 * letters, spaces, `"`, `<`, `>` and the backquote, and `{`, `}`, `|`, `^` before the
 * hash, which Chromium encodes there) percent-encoded in UTF-8, and what is encoded
 * already left as it is. So a page filter,
 * goal, funnel step or imported path written as the page reads (`/café`) names the page
 * the tracker recorded (`/caf%C3%A9`): an outside review's goal for `/café` counted
 * nothing.
 */
export function canonicalPath(path: string): string {
	const hash = path.indexOf('#');
	const head = hash < 0 ? path : path.slice(0, hash);
	return (
		encodeSome(head, /[^\x21-\x7e]|["<>`{}|^]/gu) +
		(hash < 0 ? '' : encodeSome(path.slice(hash), /[^\x21-\x7e]|["<>`]/gu))
	);
}

/** A language tag as records keep it: language, then script, region and variants. */
export const LANG_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/;

/**
 * A browser's language tag as records keep it: without its extensions and private use
 * (`sr-Latn-RS-u-nu-latn` → `sr-Latn-RS`, `ja-JP-u-ca-japanese-hc-h12` → `ja-JP`). They say
 * how to show numbers and dates, not which language, and made valid tags that
 * {@link LANG_PATTERN} refused: the tracker sends the tag cut, the ingest and the importer
 * cut what older trackers and files give.
 */
export function languageTag(tag: string): string {
	const singleton = tag.search(/-[A-Za-z0-9](-|$)/);
	return singleton < 0 ? tag : tag.slice(0, singleton);
}

/** What {@link referrerOf} keeps: the scheme, then the authority and path without userinfo. */
const REFERRER = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)(?:[^/?#]*@)?([^?#]*)/i;

/**
 * A referrer as records keep it, whoever sends it (the tracker, another client of the
 * ingest, the importer): its scheme, host and path, never its query, fragment or
 * userinfo, which may name the visitor (a webmail's `?user=`, a session token), cut to
 * `LIMITS.referrer` (512) characters.
 */
export function referrerOf(ref: string): string {
	return cutEncoded(referrerKept(ref), REFERRER_MAX);
}

/** Whether {@link referrerOf} cuts `ref` to its limit (the importer counts what it cut). */
export function referrerCut(ref: string): boolean {
	return referrerKept(ref).length > REFERRER_MAX;
}

/** The parts of a referrer records keep, before the cut: scheme, host and path. */
function referrerKept(ref: string): string {
	const [, scheme, rest] = REFERRER.exec(ref)!;
	return scheme + rest;
}

/**
 * A percent-encoded path or URL cut to `max` characters, never inside an escape nor
 * inside a character's escaped bytes, so that it reads back (an outside review saw a cut
 * `/日本語…` shown ending `…日本%E8%AA`). Paths longer than `max` still share their cut.
 */
export function cutEncoded(text: string, max: number): string {
	if (text.length <= max) return text;
	let cut = text.slice(0, max).replace(/%[0-9a-f]?$/i, '');
	// The last character's bytes, when only some of them were kept: drop them.
	for (let run = TRAILING_HIGH.exec(cut); run; run = TRAILING_HIGH.exec(cut)) {
		try {
			decodeURIComponent(run[0]);
			break;
		} catch {
			cut = cut.slice(0, -3);
		}
	}
	return cut;
}

/** The run of escaped bytes 0x80–0xFF a text ends with. */
const TRAILING_HIGH = /(?:%[89a-f][0-9a-f])+$/i;

/** Runs of escaped bytes 0x80–0xFF: the UTF-8 of characters outside ASCII. */
const HIGH_ESCAPES = /(?:%[89a-f][0-9a-f])+/giu;

/**
 * A character a path shows as itself: a letter, a mark or a digit of any script, unless
 * it is one a text shows as nothing (a combining grapheme joiner, a variation selector,
 * a Hangul filler: Default_Ignorable_Code_Point).
 */
const SHOWN = /^(?!\p{DI})[\p{L}\p{M}\p{N}]$/u;

/** Combining marks a character may carry as shown: more are stacked to overdraw. */
const MARKS_SHOWN = 2;
const STACKED = new RegExp(`\\p{M}{${MARKS_SHOWN + 1}}`, 'u');

/** Scripts whose letters look alike: a path segment mixing them stays as recorded. */
const LOOKALIKE_SCRIPTS = [
	/\p{Script=Latin}/u,
	/\p{Script=Greek}/u,
	/\p{Script=Cyrillic}/u,
	/\p{Script=Armenian}/u,
	/\p{Script=Cherokee}/u
];

/**
 * A recorded path as a reader reads it, as browsers' address bars show one: the escapes
 * of letters, marks and digits of other scripts decoded (`/caf%C3%A9` → `/café`,
 * `/%E6%97%A5%E6%9C%AC` → `/日本`). Every other escape stays: an ASCII one says something
 * else decoded (`%2F` is not a `/`), and a character shown as nothing or changing the
 * text's direction (anyone can send records) could make one path read as another. A
 * segment between slashes stays as recorded when, decoded, it would mix scripts whose
 * letters look alike (`/%D0%B0dmin`, a Cyrillic а), not be in its compatibility-composed
 * form (`/cafe%CC%81`, which would read as `/café`; a fullwidth or mathematical letter)
 * or stack more than {@link MARKS_SHOWN} marks on a character (an outside re-check made
 * five rows read `/admin`). Best effort: lookalikes within one script (a Latin `ɑ`) still
 * read as what they resemble, so the pages give the recorded path on hover
 * ({@link recordedPath}). Links and filters keep the path as recorded.
 */
export function displayPath(path: string): string {
	return path
		.split('/')
		.map((segment) => {
			if (!/%[89a-f]/iu.test(segment)) return segment;
			const shown = segment.replace(HIGH_ESCAPES, decodedRun);
			// The escapes left (`%2C`) are no letters of any script.
			const letters = shown.replace(/%[0-9a-f]{2}/giu, '');
			const scripts = LOOKALIKE_SCRIPTS.filter((script) => script.test(letters)).length;
			// NFKC folds what is another character drawn alike: fullwidth and mathematical
			// letters, Roman numerals, ligatures (an outside re-check).
			return scripts > 1 || STACKED.test(shown) || shown.normalize('NFKC') !== shown
				? segment
				: shown;
		})
		.join('/');
}

/**
 * The path `path` as recorded, when {@link displayPath} reads it otherwise; undefined when
 * it reads as recorded. What a decoded path gives on hover (`PathQuote.svelte`) and, in
 * words, to screen readers and in a link's title ({@link recordedAs}): displayPath shows lookalikes within one
 * script (a Latin `ɑ`) as what they resemble, and the recorded path tells them apart.
 */
export function recordedPath(path: string): string | undefined {
	return displayPath(path) === path ? undefined : path;
}

/**
 * The recorded path `path` named as recorded ({@link recordedPath}), `recorded as
 * /caf%C3%A9`, when it reads otherwise ({@link displayPath}), else ''. What every path the
 * pages show gives the keyboard and screen readers (`PathQuote.svelte`: in line, or as the
 * description of the link it is in; probe42a F3: in a title alone, only a mouse reached
 * it), and what a link's title adds after what its row reads (filter-links.ts: an outside
 * test saw rows reading `/価格表` titled `/%E4%BE%A1%E6%A0%BC%E8%A1%A8`).
 */
export function recordedAs(path: string): string {
	const recorded = recordedPath(path);
	return recorded ? `recorded as ${recorded}` : '';
}

/**
 * A run of escaped bytes with the characters {@link SHOWN} decoded, and a joiner (U+200C,
 * U+200D) between two of them beyond ASCII (a Persian word: `/نمی‌خواهم`; the rule of
 * `$lib/text`'s hidden characters, for letters: a second outside probe found the word
 * shown with an escape); the rest as it was.
 */
function decodedRun(run: string): string {
	let shown = '';
	let previous = '';
	for (let at = 0; at < run.length;) {
		const { escapes, character } = decodedAt(run, at);
		const joins = () =>
			JOINER.test(character) &&
			beyondAscii(previous) &&
			beyondAscii(decodedAt(run, at + escapes.length).character);
		if (SHOWN.test(character) || joins()) {
			shown += character;
			previous = character;
			at += escapes.length;
		} else {
			shown += run.slice(at, at + 3);
			previous = '';
			at += 3;
		}
	}
	return shown;
}

/** The zero-width non-joiner and joiner. */
const JOINER = /^[\u200c\u200d]$/;

/** Whether `character` is {@link SHOWN} and beyond ASCII. */
function beyondAscii(character: string): boolean {
	return SHOWN.test(character) && character.codePointAt(0)! > 0x7f;
}

/**
 * The escapes of the character a run of escaped bytes holds at `at` (its lead byte's
 * length), and the character, or '' when they are none (a lone continuation byte, a cut
 * or overlong sequence, a surrogate).
 */
function decodedAt(run: string, at: number): { escapes: string; character: string } {
	const lead = parseInt(run.slice(at + 1, at + 3), 16);
	const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	const escapes = run.slice(at, at + 3 * length);
	let character = '';
	try {
		if (escapes.length === 3 * length) character = decodeURIComponent(escapes);
	} catch {
		// Not a character: shown escaped.
	}
	return { escapes, character };
}

/** `text` with each character `set` matches percent-encoded (a lone surrogate as U+FFFD, as URLs do). */
function encodeSome(text: string, set: RegExp): string {
	return text.replace(set, (c) => encodeURIComponent(c.isWellFormed() ? c : '\ufffd'));
}

/**
 * What a session's source (`src`) may hold: `(direct)`, or a name as {@link sourceName}
 * makes it — lowercase, without whitespace or the delimiters that end a URL's host.
 */
export const SOURCE_PATTERN = /^[^\s/?#:@<>\\^|%A-Z]+$/;

/**
 * Names that are one source under another name: a platform's link-wrapping, mobile and
 * regional hosts, as the referrer lists of Plausible and GA4 group them (an outside
 * review read `l.facebook.com` and `m.youtube.com` as sources of their own), and the
 * bare names campaign tags give platforms (`utm_source=facebook`, `fb`), so a tagged
 * link and a referrer from the platform are one source, as Plausible folds them (an
 * outside test read `facebook` and `facebook.com` as two). A few known names, not a list
 * of the web: a host or name missing here stays its own source. Mastodon is many servers,
 * no one host, so `mastodon` stays itself. A `Map`, not an object: a source named
 * `constructor` or `__proto__` is a name like any other (an outside probe: looked up in
 * an object, it named Object's own members, and the tracker lost the visit's landing).
 */
const SOURCE_ALIASES = new Map<string, string>(
	Object.entries({
		'l.facebook.com': 'facebook.com',
		'lm.facebook.com': 'facebook.com',
		'm.facebook.com': 'facebook.com',
		'mobile.facebook.com': 'facebook.com',
		'web.facebook.com': 'facebook.com',
		'l.instagram.com': 'instagram.com',
		'm.youtube.com': 'youtube.com',
		'youtu.be': 'youtube.com',
		't.co': 'x.com',
		'twitter.com': 'x.com',
		'mobile.twitter.com': 'x.com',
		'mobile.x.com': 'x.com',
		'lnkd.in': 'linkedin.com',
		'old.reddit.com': 'reddit.com',
		'out.reddit.com': 'reddit.com',
		'new.reddit.com': 'reddit.com',
		'm.reddit.com': 'reddit.com',
		'cn.bing.com': 'bing.com',
		'search.yahoo.com': 'yahoo.com',
		'com.google.android.googlequicksearchbox': 'google.com',
		'com.google.android.gm': 'mail.google.com',
		// Bare names, as utm_source gives them (whitespace already made `-`: `Hacker News`).
		facebook: 'facebook.com',
		fb: 'facebook.com',
		instagram: 'instagram.com',
		ig: 'instagram.com',
		twitter: 'x.com',
		x: 'x.com',
		linkedin: 'linkedin.com',
		reddit: 'reddit.com',
		youtube: 'youtube.com',
		google: 'google.com',
		bing: 'bing.com',
		yahoo: 'yahoo.com',
		duckduckgo: 'duckduckgo.com',
		tiktok: 'tiktok.com',
		pinterest: 'pinterest.com',
		github: 'github.com',
		hackernews: 'news.ycombinator.com',
		'hacker-news': 'news.ycombinator.com',
		hn: 'news.ycombinator.com'
	})
);

/**
 * A source's name: lowercased, without a leading `www.`, each run of whitespace, control
 * characters (as `cleanText` makes them spaces) or URL delimiters (which a source cannot
 * hold: {@link SOURCE_PATTERN}) made one `-`, other
 * characters kept; one of {@link SOURCE_ALIASES} (a platform's other hosts, or its bare
 * name: `facebook`), a country's Google or a language's Wikipedia named by the one host
 * of its kind; `undefined` when nothing is left.
 */
export function sourceName(text: string): string | undefined {
	const name = cleanText(text)
		.toLowerCase()
		.replace(/[\s/?#:@<>\\^|%]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.replace(/^www\./, '');
	if (!name) return undefined;
	if (/^google(\.com?)?\.[a-z]{2}$/.test(name)) return 'google.com';
	if (/^[a-z-]+(\.m)?\.wikipedia\.org$/.test(name)) return 'wikipedia.org';
	return SOURCE_ALIASES.get(name) ?? name;
}

/**
 * A session's source: its entry pageview's `utm_source` when it has one (tagged links
 * name their campaign's source, as in Plausible and GA4: a newsletter's visitors arrive
 * without a referrer, and an outside review found them counted as `(direct)`), else its
 * referrer's host, each by {@link sourceName} and cut to `LIMITS.source`; `(direct)`
 * when there is neither.
 * `couchdb/events/views/dimensions.js` and `not-found.js` count a record by its `src`,
 * so a source filter and the sources breakdown name a session alike.
 */
export function sourceOf(ref: string | undefined, utmSource?: string): string {
	const host = referrerHost(ref);
	const name = (utmSource && sourceName(utmSource)) || (host && sourceName(host));
	return name ? name.slice(0, LIMITS.source) : '(direct)';
}

/** The host of a referrer URL (any scheme, such as `android-app:`), lowercased. */
export function referrerHost(ref: string | undefined): string | undefined {
	return /^[a-z][a-z0-9+.-]*:\/\/([^/?#:@]+)/i.exec(ref ?? '')?.[1].toLowerCase();
}

/**
 * The source a filter names, as {@link sourceOf} names a session's: `(direct)`, the
 * host of a URL, or the {@link sourceName} of what is given (a host, a `www.` host, a
 * campaign's source), so that `source=https://www.Example.com/` keeps the sessions from
 * `example.com` and `source=Newsletter` those tagged `utm_source=newsletter`; a host
 * name in another script as browsers send it (`source=bücher.de` keeps the sessions from
 * `xn--bcher-kva.de`: asciiHost in host-names.ts).
 */
export function sourceFilter(value: string): string {
	if (value.toLowerCase() === '(direct)') return '(direct)';
	const source = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? sourceOf(value) : sourceName(value);
	if (source === undefined || source === '(direct)') return value;
	// A host typed in Unicode: browsers send its referrer in punycode, and so it is stored.
	return source.includes('.') ? (asciiHost(source) ?? source) : source;
}

/** The revision every record carries, derived from its id. */
export function revisionFor(id: string): string {
	return '1-' + id.replaceAll('-', '');
}

/** UTM parameters, each optional. */
export interface Utm {
	source?: string;
	medium?: string;
	campaign?: string;
	term?: string;
	content?: string;
}

/** Fields every record carries, as the browser sends them. */
export interface BaseRecord {
	_id: string;
	_rev: string;
	v: typeof RECORD_VERSION;
	type: RecordType;
	/** Site id, as registered in the sites database. */
	site: string;
	/**
	 * Event time, ms since the epoch, on the server's clock once stored. A record sent
	 * `local` carries the browser's clock, which the ingest corrects.
	 */
	ts: number;
	/**
	 * Sent only: `ts` is the browser's own clock, the record being made before its page
	 * measured the server's clock (or after the browser's clock changed, until it measured
	 * it again); others are stamped on the server's clock. The ingest moves `ts` by the
	 * request's skew (bulk-docs.ts) and stores the record without this flag.
	 */
	local?: true;
	/** Session id (UUIDv7 made in the browser). */
	sid: string;
	/** Visitor id (random, kept in localStorage). */
	vid: string;
	/** Path of the page the record belongs to (no query string, no fragment but a hash route; `PATH_PATTERN`). */
	path: string;
	/**
	 * The session's source: {@link sourceOf} its entry pageview's referrer. Optional:
	 * records made before sources existed, or outside a classified session, lack it.
	 */
	src?: string;
	/** The session's landing page: the path of its entry pageview. Optional like `src`. */
	land?: string;
	/**
	 * The host of the page the record was made on ({@link HOST_PATTERN}): `/` of
	 * `www.example.com` and `/` of `shop.example.com` are one path on two hosts, which the
	 * Hosts breakdown tells apart. Optional and additive: records made before 2026-12-07, and
	 * imported lines without a host, lack it (the ingest checks it against the site's host
	 * names, as it checks the page's origin).
	 */
	host?: string;
}

/** A pageview: a route the visitor landed on (dedup per session and path, 30 min). */
export interface PageviewRecord extends BaseRecord {
	type: 'pageview';
	title?: string;
	/** Referrer (origin + path) — only on the session's entry pageview, only if external. */
	ref?: string;
	utm?: Utm;
	screen?: ScreenClass;
	/** BCP 47 language tag of the browser, e.g. `en-GB`. */
	lang?: string;
	/** IANA time zone of the browser, e.g. `Europe/Paris` (the ingest derives `country`). */
	tz?: string;
	/**
	 * First pageview of the session (an entry page, and one session); on a return
	 * ({@link revisit}), the page left open that a resumed session opens on: one session,
	 * landing on that page, and no pageview.
	 */
	entry: boolean;
	/**
	 * First pageview of this visitor's day, in the site's time zone: a visitor of the day in
	 * the breakdowns (country, device, new or returning …), and, without `opensDay`, in the
	 * headline count too.
	 */
	firstOfDay: boolean;
	/**
	 * The visitor's first activity of the day (site time zone), which counts them as one of
	 * its visitors: on a first pageview of the day, false when an event or a return came
	 * first (that one counted them); on a return ({@link revisit}), true when it came
	 * first. Optional and additive: pageviews made before 2026-12-06 lack it and count
	 * their visitor by `firstOfDay`, and their day's events and returns count none.
	 */
	opensDay?: boolean;
	/**
	 * A pageview of the visitor's first day ever, from their first pageview on (a new
	 * visitor's; with `firstOfDay`, one new visitor). Records made before 2026-12-05 set
	 * it on the first pageview only, which counts the same new visitors.
	 */
	firstEver: boolean;
	/**
	 * First pageview of this path in this visitor's day (site time zone): a unique visitor
	 * of the page. Optional and additive; the pages view counts page visitors from it.
	 */
	pathFirstOfDay?: boolean;
	/**
	 * First pageview of the visitor's day in a session from this session's source (`src`):
	 * a visitor of that source that day. Optional and additive: without it, `firstOfDay`.
	 */
	srcFirstOfDay?: boolean;
	/**
	 * First pageview of this path in the visitor's day in a session from this session's
	 * source: a visitor of the page under that source. Optional and additive: without it,
	 * `pathFirstOfDay`.
	 */
	srcPathFirstOfDay?: boolean;
	/**
	 * First pageview of the visitor's day on this record's `host`: a visitor of that host
	 * that day (the Hosts breakdown). Absent without a host, and on records made before it.
	 */
	hostFirstOfDay?: boolean;
	/**
	 * The page it was reached from: the page its tab showed before, or the session's last
	 * page (absent on entry). Journeys count transitions by it.
	 */
	from?: string;
	/**
	 * The session's last page when that is not `from` (another tab of the session moved on
	 * meanwhile): the page this one ends as the session's exit. Exits of a page = its views
	 * and returns − the pageviews and returns that left it (`left`, else `from`), so a page
	 * left to two tabs departs once (an outside probe: its second departure cancelled
	 * another session's exit). Optional and additive: records made before 2026-12-06 lack
	 * it and depart from `from`.
	 */
	left?: string;
	/**
	 * A return to a page the session counted in the last 30 minutes (back to the home
	 * page, say): not another pageview (no count, every flag false), but where the visitor
	 * went, in order: its session's exit page, journeys, the page it is on now, and
	 * `from` of the next; and a visitor of the day when it is their first activity that day
	 * (`opensDay`). A reload of the page the visitor is on makes no record. With `entry`,
	 * the page left open that the visitor came back to (engaged again, or acting) after the
	 * session it was viewed in ended: it opens the next session, from `(direct)`, with
	 * `trail` `[]` and `firstEver` as a pageview would have them, and is still no pageview
	 * (classify/rules.ts `resumeOn`).
	 */
	revisit?: boolean;
	/**
	 * The paths of the session's pageviews before this one, on its first four pageviews
	 * only (`[]` on the entry; `TRAIL_STEPS` in src/lib/classify/rules.ts): the `paths`
	 * view counts the paths from entry by it. Absent on later pageviews and on those
	 * recorded before trails existed.
	 */
	trail?: string[];
	/**
	 * True when the page is a 404, as the page says (`notFound` on `<Analytics>`,
	 * `data-not-found` on the script). Stored with the pageview, which counts like any
	 * other; the `not-found` view counts it by path and where the visitor came from.
	 */
	notFound?: boolean;
}

/**
 * From this instant (UTC ms) every event the tracker or the importer records carries
 * `propFirstOfSession` and `propFirstOfDay` when it should: the classification rules
 * began setting them during 2026-12-02, so this is the midnight after. An event before it
 * may lack them, and then counts under a prop filter as a conversion only
 * (docs/DESIGN.md, "Records made before the flags").
 */
export const PROP_FLAGS_SINCE = Date.UTC(2026, 11, 3);

/** A custom or automatically captured event. */
export interface EventRecord extends BaseRecord {
	type: 'event';
	/** Event name, e.g. `signup`, `outbound`, `download`, `form`, `click`. */
	name: string;
	props?: Record<string, string | number | boolean>;
	/** First event of this name in the session (a converting session). */
	firstOfSession?: boolean;
	/** First event of this name in the visitor's day, site time zone (a converting visitor). */
	firstOfDay?: boolean;
	/**
	 * The visitor's first activity of the day, site time zone: a visitor of the day (the
	 * pageview that may follow carries `opensDay: false`). Absent when not, and on events
	 * made before 2026-12-06 (they count no visitor).
	 */
	opensDay?: boolean;
	/**
	 * The keys of `props` whose name, key and value (the value as a string) this event
	 * fires first in the session: a converting session of the `prop:` filter. Absent when
	 * none, and on events recorded before it existed (first of nothing under that filter).
	 */
	propFirstOfSession?: string[];
	/** The same for the visitor's day (site time zone): a converting visitor of the `prop:` filter. */
	propFirstOfDay?: string[];
}

/** Engaged time since the previous heartbeat of this page view. */
export interface HeartbeatRecord extends BaseRecord {
	type: 'heartbeat';
	/** Engaged (visible and focused) milliseconds since the previous heartbeat. */
	engagedMs: number;
	/** Deepest scroll position reached on this page so far, 0–100. */
	scroll?: number;
	/**
	 * `scroll` of the previous heartbeat of the same page view (0 for its first), so each
	 * heartbeat carries what the page view gained since: the scroll view sums the gains
	 * (the page view's deepest scroll) and counts each depth threshold once. Optional:
	 * heartbeats made before it existed count in no scroll depth.
	 */
	scrollFrom?: number;
	/**
	 * Milliseconds from its session's entry pageview, as a milestone's
	 * ({@link MilestoneRecord.since}): the `metrics` view counts its engaged time where the
	 * session counts, so that a bucket's engaged time is its sessions' (an outside
	 * re-check: a session begun at 23:59 had its time on the next day, whose average
	 * engaged time per session read 42 s for sessions of 3 s). Optional and additive:
	 * without it (a record made before 2026-12-06), the heartbeat's own time.
	 */
	since?: number;
}

/** A session milestone, emitted at most once per session across tabs. */
export interface MilestoneRecord extends BaseRecord {
	type: 'milestone';
	milestone: Milestone;
	/**
	 * Milliseconds from its session's entry pageview to the milestone, on the clock that
	 * stamped both (the tracker's: the browser's; the importer's: the records' own), so
	 * that the views count it in the time bucket of the session's start, where the session
	 * itself counts: a day's (or an hour's) actual, engaged and non-bounce sessions are
	 * those of the sessions begun then. Optional and additive: without it (a session
	 * with no entry pageview, a record made before 2026-12-05), the milestone's own time.
	 */
	since?: number;
}

/**
 * How many records the tracker had to drop (its bounded outbox, queue or journal; oldest
 * heartbeats first). At most: a journal's count can include records the closing page's
 * last `keepalive` request delivered, as the page is gone before the answer says so.
 */
export interface DroppedRecord extends BaseRecord {
	type: 'dropped';
	count: number;
}

/** Any record as the browser sends it. */
export type ClientRecord =
	PageviewRecord | EventRecord | HeartbeatRecord | MilestoneRecord | DroppedRecord;

/** Fields the ingest endpoint adds before storing a record. */
export interface Enrichment {
	/** Server time the record arrived, ms since the epoch. */
	receivedAt: number;
	/** Browser family, e.g. `Chrome`; never the raw user agent. */
	browser?: string;
	/** OS family, e.g. `Android`. */
	os?: string;
	device?: DeviceType;
	/** ISO 3166-1 alpha-2 country derived from the browser's time zone, never from the IP. */
	country?: string;
	/** True for bots and headless browsers: stored, but counted by no view. */
	bot?: boolean;
}

/** A record as stored in the events database. */
export type StoredRecord = ClientRecord & Enrichment;
