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

/** The first control character of a string (U+0000–U+001F and U+007F), if any. */
export function controlIn(s: string): string | undefined {
	return CONTROL.exec(s)?.[0];
}

/**
 * Characters that may show as nothing or change how the text around them shows: C1
 * controls (U+0080–U+009F, among them NEL, a line break), the line and paragraph
 * separators (U+2028, U+2029), and Unicode's default-ignorable code points (`\p{DI}`: the
 * direction marks, embeddings, overrides and isolates, the zero-width space, joiners and
 * word joiner, the soft hyphen, invisible operators, Hangul fillers, variation selectors,
 * tag characters, the byte-order mark…). {@link hiddenAt} says which of them, where
 * they stand, are hidden.
 */
const MAYBE_HIDDEN = /[\u0080-\u009f\u2028\u2029\p{DI}]/u;

/** The variation selectors: U+FE00–U+FE0F, U+E0100–U+E01EF. */
const VARIATION = /[\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u;

/** A character a variation selector after it may choose the look of: not an ASCII letter, not hidden. */
const VARIED = /^(?![A-Za-z\s])[^\p{DI}\u0080-\u009f\u2028\u2029]$/u;

/** A waving black flag, the base of an emoji tag sequence (🏴󠁧󠁢󠁳󠁣󠁴󠁿: tags, then a cancel tag). */
const TAG_BASE = 0x1f3f4;

/**
 * The indexes of `chars` (a text's code points) that are hidden: they show as nothing or
 * change how the text around them shows, so a text holding one may read as another text
 * (an outside probe's event `sign\u00ADup` read as `signup`, a site `Café \u202Eevil\u202C`
 * as `Café live`). Every {@link MAYBE_HIDDEN} character is, but where a script or an emoji
 * needs it: a joiner (U+200C, U+200D) between two characters beyond ASCII (Persian and
 * Indic words, emoji sequences such as 👩‍💻), a variation selector after a character it
 * may choose the look of ({@link VARIED}: ❤️, 1️⃣), a Mongolian variation selector after a
 * Mongolian letter, and the tag characters of an emoji tag sequence after 🏴.
 */
function hiddenAt(chars: readonly string[]): Set<number> {
	const hidden = new Set<number>();
	for (let i = 0; i < chars.length; i++) {
		const c = chars[i];
		if (!MAYBE_HIDDEN.test(c)) continue;
		const code = c.codePointAt(0)!;
		const before = chars[i - 1] ?? '';
		const after = chars[i + 1] ?? '';
		if (code === 0x200c || code === 0x200d) {
			const beyond = (x: string) => x.codePointAt(0)! > 0x7f && !MAYBE_HIDDEN.test(x);
			const beyondOrVaried = (x: string) => beyond(x) || VARIATION.test(x);
			if (before && after && beyondOrVaried(before) && beyond(after)) continue;
		} else if (VARIATION.test(c)) {
			if (VARIED.test(before)) continue;
		} else if (code >= 0x180b && code <= 0x180f && code !== 0x180e) {
			if (/\p{Script=Mongolian}/u.test(before)) continue;
		} else if (code >= 0xe0020 && code <= 0xe007f) {
			const end = tagSequenceEnd(chars, i);
			if (end > i) {
				i = end;
				continue;
			}
		}
		hidden.add(i);
	}
	return hidden;
}

/**
 * When `chars[at]` starts the tags of an emoji tag sequence (after 🏴: tag characters
 * U+E0020–U+E007E, then the cancel tag U+E007F), the index of its cancel tag; else -1.
 */
function tagSequenceEnd(chars: readonly string[], at: number): number {
	if (chars[at - 1]?.codePointAt(0) !== TAG_BASE) return -1;
	for (let i = at; i < chars.length; i++) {
		const code = chars[i].codePointAt(0)!;
		if (code === 0xe007f) return i > at ? i : -1;
		if (code < 0xe0020 || code > 0xe007e) return -1;
	}
	return -1;
}

/** The first hidden character of `text` ({@link hiddenAt}), or undefined. */
function firstHidden(text: string): string | undefined {
	if (!MAYBE_HIDDEN.test(text)) return undefined;
	const chars = [...text];
	const [first] = hiddenAt(chars);
	return first === undefined ? undefined : chars[first];
}

/** `text` without its hidden characters ({@link hiddenAt}): what a reader sees of it. */
export function withoutHidden(text: string): string {
	if (!MAYBE_HIDDEN.test(text)) return text;
	const chars = [...text];
	const hidden = hiddenAt(chars);
	return chars.filter((_, i) => !hidden.has(i)).join('');
}

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
	const hidden = firstHidden(name);
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
export function codePoint(character: string): string {
	return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A hidden character as a quote shows it ({@link hiddenAt}): its code point, `U+202E`. */
export interface HiddenCode {
	code: string;
}

/**
 * Quoted `text` as the pages show it: its runs as they are, each hidden character
 * ({@link hiddenAt}) as its code point (`U+202E`). A quote so holds no character that shows
 * as nothing or turns text round: outside probes sent an event named `\u202Epu ngis\u202C`,
 * which read "sign up", a campaign `\u200Bemail\u200B`, which read as `email`, and
 * `sign\u00ADup`, `signup\u2063`, which read as `signup`. Paths keep such characters
 * escaped already (records.ts `displayPath`).
 */
export function shownPieces(text: string): (string | HiddenCode)[] {
	if (!MAYBE_HIDDEN.test(text)) return text ? [text] : [];
	const chars = [...text];
	const hidden = hiddenAt(chars);
	const pieces: (string | HiddenCode)[] = [];
	let run = '';
	chars.forEach((c, i) => {
		if (!hidden.has(i)) {
			run += c;
			return;
		}
		if (run) pieces.push(run);
		run = '';
		pieces.push({ code: codePoint(c) });
	});
	if (run) pieces.push(run);
	return pieces;
}

/**
 * `text` as a tooltip or a page's title shows it, which no page can isolate or box: each
 * hidden character ({@link hiddenAt}) as its code point, in the text (`go U+202E now`
 * reads `goU+202Enow`).
 */
export function shownText(text: string): string {
	return shownPieces(text)
		.map((piece) => (typeof piece === 'string' ? piece : piece.code))
		.join('');
}

/** A {@link Phrase} as one string: a title, an accessible name, the Stats API's label. */
export function phraseText(phrase: Phrase): string {
	return phrase.map((piece) => (typeof piece === 'string' ? piece : piece.quoted)).join('');
}
