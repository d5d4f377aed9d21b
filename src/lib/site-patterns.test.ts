import { describe, expect, test } from 'vitest';
import { HOSTNAMES_FIELD_SOURCE, HOSTNAME_SOURCE, SITE_ID_SOURCE } from './site-patterns';

/** How a browser compiles an input's `pattern` (HTML: anchored, with the `v` flag). */
const asBrowser = (source: string) => new RegExp(`^(?:${source})$`, 'v');

describe('the site forms’ patterns', () => {
	test.each([SITE_ID_SOURCE, HOSTNAME_SOURCE, HOSTNAMES_FIELD_SOURCE])(
		'%s compiles with the v flag (browsers) and the u flag (the server)',
		(source) => {
			expect(() => asBrowser(source)).not.toThrow();
			expect(() => new RegExp(source, 'u')).not.toThrow();
		}
	);

	test.each([
		['blog', true],
		['my-site-2', true],
		['a', false],
		['-blog', false],
		['Blog', false],
		['a'.repeat(33), false]
	])('site id %s matches: %s', (id, ok) => {
		expect(asBrowser(SITE_ID_SOURCE).test(id)).toBe(ok);
	});

	test.each([
		['example.com', true],
		['example.com www.example.com', true],
		['Example.com, *.example.com localhost:5173', true],
		['bücher.example *.café.example:8080 例え.jp', true],
		['bücher.example/ß', false],
		['', false],
		['https://example.com', false],
		['example.com/blog', false],
		// An IPv6 address in brackets, with a port or none, in either case (an outside probe).
		['[::1]', true],
		['[::1]:8080, localhost:8080 [2001:DB8::1]', true],
		['[::ffff:127.0.0.1]:443', true],
		['::1', false],
		['[::1', false],
		['[::1]x', false],
		['*.[::1]', false],
		['[example.com]', false],
		// A host kept out of the others.
		['*.example.com !staging.example.com, !*.dev.example.com:8080', true],
		['!!staging.example.com', false],
		['*.!staging.example.com', false]
	])('host names field %j matches: %s', (value, ok) => {
		expect(asBrowser(HOSTNAMES_FIELD_SOURCE).test(value)).toBe(ok);
	});
});
