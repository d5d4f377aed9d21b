/**
 * The one rule for text: none holds a control character (U+0000–U+001F, U+007F; tabs
 * and newlines too). None of it is multi-line, and a control character in a name, a
 * path or a campaign is at best invisible, at worst a forged log line or a broken CSV row.
 *
 * Two ways to it, by who wrote the text:
 * - what a visitor's browser carries (a landing URL's `utm_*`, a button's text, a title,
 *   an event's name and props, which a site's code often takes from the page) is
 *   cleaned with {@link cleanText}: by the tracker before it sends it, and by the ingest
 *   and the importer again, for trackers already deployed. Refused, it lost the visitor's
 *   whole session, since the session's source is on every record (an outside probe:
 *   `utm_source=x%01y`);
 * - what a person types into couchstats (a site's name, a goal, a funnel, a filter) is
 *   refused with {@link hasNoControl}, and they are told why. A name that only names
 *   something (a site's, a funnel's, an API token's label) is held to more, by
 *   {@link nameFault}: co-owners read it, and it must show as what was stored.
 *
 * Browser-safe and tiny: the tracker's core imports it.
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as CONTROL, with whitespace
const SPACES = /[\s\u0000-\u001f\u007f]+/g;

/** Whether a string is free of control characters (U+0000–U+001F and U+007F). */
export function hasNoControl(s: string): boolean {
	return !CONTROL.test(s);
}

/**
 * Characters that show as nothing or change how the text around them shows: C1 controls
 * (U+0080–U+009F, among them NEL, a line break), the direction marks, embeddings,
 * overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the
 * zero-width space, word joiner and byte-order mark (U+200B, U+2060, U+FEFF), and the
 * line and paragraph separators (U+2028, U+2029). An outside probe named a site
 * `Café \u202Eevil\u202C`: co-owners read it as `Café live`. Not the zero-width
 * non-joiner and joiner (U+200C, U+200D): Persian and Indic words and emoji sequences
 * (👩‍💻) need them, and they move nothing.
 */
export const HIDDEN =
	/[\u0080-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/;

/**
 * Why `name`, typed to name something (a site, a funnel, an API token), is no name, to
 * follow the field's name; undefined when it is one. It holds no control character
 * ({@link hasNoControl}) and none of the characters that show as nothing or reorder the
 * text around them, which a name needs no more than a tab. Only for such names: a
 * goal's or a filter's event name, prop or path must equal the text visitors' pages
 * sent, which keeps them (a right-to-left mark in a button's text).
 */
export function nameFault(name: string): string | undefined {
	if (!hasNoControl(name)) return 'must not contain control characters';
	const hidden = HIDDEN.exec(name)?.[0];
	if (hidden === undefined) return undefined;
	return `must not contain invisible characters that change how text shows (${codePoint(hidden)})`;
}

/**
 * `s` as one line: each run of whitespace and control characters made one space, the
 * ends trimmed. A control character becomes a space, not nothing: most that text
 * carries separate words (a tab, a line or page break, the separators U+001C–U+001F),
 * as the tab and newline the tracker always made spaces do.
 */
export function cleanText(s: string): string {
	return s.replace(SPACES, ' ').trim();
}

/**
 * A value a page gave, as a record holds it: {@link cleanText} cut to `max` characters,
 * or `undefined` when it is not a string or nothing is left.
 */
export function clip(value: unknown, max: number): string | undefined {
	return (typeof value == 'string' && cleanText(value).slice(0, max).trimEnd()) || undefined;
}

/**
 * A line shown to a person in which some text is quoted: couchstats' own words as
 * strings, what visitors' pages or users wrote (a path, a source, an event's name or
 * prop, a title, a site's or a funnel's name) as `{ quoted }`. The pages show each
 * quote isolated for the bidi algorithm (`PhraseLine.svelte`, `Quote.svelte`), so
 * right-to-left text in it cannot reorder the words, counts and signs around it, and its
 * characters that show as nothing or turn text round by their codes ({@link shownPieces}).
 */
export type Phrase = readonly (string | { quoted: string })[];

/** A character's code point as Unicode writes it: `U+202E`. */
function codePoint(character: string): string {
	return `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A character of {@link HIDDEN} as a quote shows it: its code point, `U+202E`. */
export interface HiddenCode {
	code: string;
}

const HIDDEN_ALL = new RegExp(HIDDEN.source, 'g');

/**
 * Quoted `text` as the pages show it: its runs as they are, each character of
 * {@link HIDDEN} as its code point (`U+202E`). A quote so holds no character that shows
 * as nothing or turns text round: an outside probe sent an event named
 * `\u202Epu ngis\u202C`, which read "sign up", and a campaign `\u200Bemail\u200B`, which
 * read as `email`. Paths keep such characters escaped already (records.ts `displayPath`).
 */
export function shownPieces(text: string): (string | HiddenCode)[] {
	const pieces: (string | HiddenCode)[] = [];
	let from = 0;
	for (const match of text.matchAll(HIDDEN_ALL)) {
		if (match.index > from) pieces.push(text.slice(from, match.index));
		pieces.push({ code: codePoint(match[0]) });
		from = match.index + match[0].length;
	}
	if (from < text.length) pieces.push(text.slice(from));
	return pieces;
}

/** A {@link Phrase} as one string: a title, an accessible name, the Stats API's label. */
export function phraseText(phrase: Phrase): string {
	return phrase.map((piece) => (typeof piece === 'string' ? piece : piece.quoted)).join('');
}
