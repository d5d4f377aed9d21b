/**
 * What every request's address must be before any page or API reads it. A control
 * character (U+0000–U+001F, U+007F) means nothing in any path or parameter couchstats
 * takes: paths, filters and names are kept as one line of text (text.ts, `cleanText`),
 * secrets and ids are printable. And a page that quoted one back (an error naming the
 * bad `tz`, the sites list's search box) would put it raw into its HTML, where a NUL is
 * a parse error browsers read as U+FFFD (an outside probe found three such pages).
 */
import { codePoint, controlIn } from '$lib/text';
import { CouchstatsError } from './errors';

/** A control character, percent-encoded as an address carries it. */
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;

/**
 * The 400 for an address with a control character in its path or its query (a
 * parameter's name or value), or `undefined` for an address without one.
 */
export function controlCharacterIn(url: URL): CouchstatsError | undefined {
	const encoded = url.pathname.match(ENCODED_CONTROL)?.[0];
	let found = encoded && String.fromCharCode(parseInt(encoded.slice(1), 16));
	for (const [name, value] of url.searchParams) {
		if (found) break;
		found = controlIn(name + value);
	}
	if (!found) return undefined;
	return new CouchstatsError(
		400,
		`The address holds a control character (${codePoint(found)}), which no page or parameter of couchstats takes`
	);
}
