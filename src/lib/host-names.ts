/**
 * Host names in another script. Browsers send a host name in its ASCII form (punycode:
 * `bücher.example` is `xn--bcher-kva.example`) in `Origin`, in a referrer and in
 * `location`, and couchstats stores and matches them so; a person types the Unicode form.
 * This is the one home of that conversion, by the URL API's parser (the WHATWG URL
 * standard's "domain to ASCII", the same in a browser and on the server), so a search, a
 * filter and a site's host names convert alike. The other way, for showing a stored name
 * as a person reads it, has no browser API: the server writes it (`unicodeHostEntry`,
 * src/lib/server/accounts/sites.ts).
 */

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/u;

/**
 * `name` as browsers send it: a name with a label in another script in punycode,
 * lowercased and normalized as the URL parser does (`Bücher.example`:
 * `xn--bcher-kva.example`); a name in ASCII as it is.
 * @returns undefined when no URL can have `name` as its host (white space, a `/`, `:`,
 *   `@` or the like, or a label the parser refuses).
 */
export function asciiHost(name: string): string | undefined {
	if (ASCII.test(name)) return name;
	if (/[\s/?#:@[\]\\%]/u.test(name)) return undefined;
	try {
		return new URL(`http://${name}/`).hostname;
	} catch {
		return undefined;
	}
}

/**
 * `text` with each word in another script written as a host name's stored labels
 * (`shop bücher.de` → `shop xn--bcher-kva.de`): how a search or filter typed in Unicode
 * finds the stored punycode. Words the parser refuses stay as typed.
 * @returns undefined when no word changes (all ASCII, or none a host could have).
 */
export function asciiWords(text: string): string | undefined {
	const words = text.split(/(\s+)/u);
	const ascii = words.map((word) => (ASCII.test(word) ? word : (asciiHost(word) ?? word)));
	const out = ascii.join('');
	return out === text ? undefined : out;
}
