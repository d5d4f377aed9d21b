import { expect, test } from 'vitest';
import { parseSiteForm, siteForOwner } from './site-admin';
import { originAllowed, siteDocId, siteRecord } from './sites';
import { createToken } from './tokens';

test('an owner’s view of a site keeps no hash of a token or of the share link, nor _id and _rev', () => {
	const { token } = createToken('report', { now: () => 1_700_000_000_000 });
	const { token: backup } = createToken('backup', { now: () => 1_700_000_000_000, records: true });
	const stored = {
		...siteRecord(
			{ id: 'blog', name: 'Blog', hostnames: ['blog.example.com'], timeZone: 'Europe/Paris' },
			['alice'],
			1_700_000_000_000
		),
		_rev: '3-abc',
		tokens: [token, backup],
		shareHash: 'f'.repeat(64)
	};
	expect(siteForOwner(stored)).toEqual({
		id: 'blog',
		name: 'Blog',
		hostnames: ['blog.example.com'],
		unicodeHosts: {},
		timeZone: 'Europe/Paris',
		owners: ['alice'],
		invited: [],
		tokens: [
			{ id: token.id, label: 'report', createdAt: 1_700_000_000_000 },
			{ id: backup.id, label: 'backup', createdAt: 1_700_000_000_000, records: true }
		],
		shared: true,
		shareSessions: false,
		goals: [],
		funnels: [],
		excludedAddresses: [],
		retention: ''
	});
	expect(siteForOwner({ ...stored, shareHash: undefined }).shared).toBe(false);
});

function siteForm(fields: Record<string, string>) {
	const form = new FormData();
	for (const [key, value] of Object.entries({
		id: 'blog',
		name: 'Blog',
		hostnames: 'blog.example.com',
		timeZone: 'UTC',
		...fields
	})) {
		form.set(key, value);
	}
	return form;
}

test.each([
	['x\u0001y', 'name must not contain control characters'],
	['tab\there', 'name must not contain control characters'],
	['new\nline', 'name must not contain control characters'],
	['   ', 'name is required'],
	['x'.repeat(101), 'name must be at most 100 characters']
])('a site form whose name is %j is refused: %s', (name, message) => {
	expect(() => parseSiteForm(siteForm({ name }))).toThrow(
		expect.objectContaining({ status: 400, message })
	);
});

test('a host name in any script is stored as browsers send it in Origin (punycode)', () => {
	const { hostnames } = parseSiteForm(
		siteForm({ hostnames: 'Bücher.example *.café.example:8080 例え.jp xn--bcher-kva.example' })
	);
	// Once each: Bücher.example is the punycode name given too.
	expect(hostnames).toEqual([
		'xn--bcher-kva.example',
		'*.xn--caf-dma.example:8080',
		'xn--r8jz45g.jp'
	]);
	expect(originAllowed({ hostnames }, 'https://xn--bcher-kva.example')).toBe(true);
	expect(originAllowed({ hostnames }, new URL('http://shop.café.example:8080').origin)).toBe(true);
});

test.each([
	['example.com', 'https://example.com', true],
	['example.com', 'http://example.com:8080', true],
	['example.com:443', 'https://example.com', true],
	['example.com:80', 'http://example.com', true],
	['example.com:443', 'http://example.com', false],
	['example.com:8080', 'http://example.com:8080', true],
	['example.com:8080', 'http://example.com', false],
	['*.example.com:443', 'https://shop.example.com', true],
	['*.example.com', 'https://example.com', false],
	// A port is a number (an entry saved before ports were made canonical).
	['example.com:0443', 'https://example.com', true],
	// An IPv6 address, as a URL writes it: the port after its brackets.
	['[::1]', 'http://[::1]:5173', true],
	['[::1]', 'http://[::1]', true],
	['[::1]:8080', 'http://[::1]:8080', true],
	['[::1]:8080', 'http://[::1]:8081', false],
	['[::1]:80', 'http://[::1]', true],
	['[::1]', 'http://127.0.0.1', false],
	['[::1]', 'http://[::2]', false],
	['localhost', 'http://[::1]:5173', false],
	['[2001:db8::1]', 'https://[2001:db8::1]', true]
])('the host name entry %s takes a page of %s: %s', (entry, origin, allowed) => {
	// An outside read: an entry naming its scheme's default port never matched, as the
	// page's URL leaves that port out.
	expect(originAllowed({ hostnames: [entry] }, origin)).toBe(allowed);
});

test('a host name entry’s port is saved as a URL names it, and one no URL can have is refused', () => {
	// An outside re-check: example.com:0443 was saved, and no page ever matched it.
	expect(
		parseSiteForm(siteForm({ hostnames: 'example.com:0443 shop.example:08080' })).hostnames
	).toEqual(['example.com:443', 'shop.example:8080']);
	for (const hostnames of ['example.com:65536', 'example.com:0'])
		expect(() => parseSiteForm(siteForm({ hostnames: `shop.example ${hostnames}` }))).toThrow(
			expect.objectContaining({
				status: 400,
				message: `hostnames must have ports from 1 to 65535, not "${hostnames}"`
			})
		);
});

test('a host name entry that is none is named in the refusal (the field holds several)', () => {
	expect(() => parseSiteForm(siteForm({ hostnames: 'shop.example no!such' }))).toThrow(
		expect.objectContaining({
			status: 400,
			message: 'hostnames must be host names like example.com, not "no!such"'
		})
	);
});

test('an IPv6 address in brackets is a host, saved as browsers write it in Origin (compressed, lowercase)', () => {
	// An outside probe: [::1], the app's own loopback name, could not be listed.
	const { hostnames } = parseSiteForm(
		siteForm({
			hostnames: '[::1] [::1]:8080 [2001:DB8:0:0::1] [::FFFF:127.0.0.1]:0443 [0:0:0:0:0:0:0:1]'
		})
	);
	expect(hostnames).toEqual(['[::1]', '[::1]:8080', '[2001:db8::1]', '[::ffff:7f00:1]:443']);
	// The form a page's URL gives its host, and so its Origin.
	for (const entry of hostnames) {
		expect(new URL(`http://${entry}`).host).toBe(entry);
	}
	expect(originAllowed({ hostnames }, new URL('http://[2001:DB8::0:1]:3000').origin)).toBe(true);
});

test.each(['::1', '2001:db8::1', '::1:8080', 'FE80::1'])(
	'a bare IPv6 address %s is refused with the brackets it needs',
	(entry) => {
		expect(() => parseSiteForm(siteForm({ hostnames: `shop.example ${entry}` }))).toThrow(
			expect.objectContaining({
				status: 400,
				message: `hostnames must write an IPv6 address in brackets, as a URL does: [::1] or [2001:db8::1]:8080, not ${JSON.stringify(entry.toLowerCase())}`
			})
		);
	}
);

test.each([
	'[1:2]',
	'[::1',
	'[::1]x',
	'[::g]',
	'[example.com]',
	'*.[::1]',
	'[::1]:',
	'[[::1]]',
	'[::1%25lo]'
])('%s is no IPv6 address a URL can hold, and is refused', (entry) => {
	expect(() => parseSiteForm(siteForm({ hostnames: entry }))).toThrow(
		expect.objectContaining({
			status: 400,
			message: `hostnames must be host names like example.com, not ${JSON.stringify(entry)}`
		})
	);
});

test('an IPv6 address’s port is one a page can be served on', () => {
	expect(() => parseSiteForm(siteForm({ hostnames: '[::1]:65536' }))).toThrow(
		expect.objectContaining({
			status: 400,
			message: 'hostnames must have ports from 1 to 65535, not "[::1]:65536"'
		})
	);
});

test('a site name is trimmed and may hold any other character', () => {
	expect(parseSiteForm(siteForm({ name: '  Café 日本 😀 ' })).name).toBe('Café 日本 😀');
});

test.each([
	[{ name: '   ' }, 'name'],
	[{ id: 'Not an id' }, 'id'],
	[{ hostnames: 'https://example.com/' }, 'hostnames'],
	[{ hostnames: ' , ' }, 'hostnames'],
	[{ timeZone: 'Mars/Olympus' }, 'timeZone']
])('a site form %j is refused about its field %s', (fields, field) => {
	expect(() => parseSiteForm(siteForm(fields))).toThrow(
		expect.objectContaining({ status: 400, field })
	);
});

test('a site document id is made of a site id only: anything else is no site', () => {
	expect(siteDocId('blog-2')).toBe('site:blog-2');
	for (const id of ['x_local/../site:blog', '../_users', 'Blog', '', 'a'.repeat(65)]) {
		expect(() => siteDocId(id), id).toThrow(expect.objectContaining({ status: 404 }));
	}
});

test('a host kept out of a wildcard (!staging.example.com) is refused as an origin, and a list of exclusions alone is refused', () => {
	// An outside probe: staging inside *.example.com was counted as production traffic.
	const { hostnames } = parseSiteForm(
		siteForm({ hostnames: '*.example.com example.com !staging.example.com' })
	);
	expect(hostnames).toEqual(['*.example.com', 'example.com', '!staging.example.com']);
	expect(originAllowed({ hostnames }, 'https://www.example.com')).toBe(true);
	expect(originAllowed({ hostnames }, 'https://staging.example.com')).toBe(false);
	expect(originAllowed({ hostnames }, 'http://staging.example.com:8080')).toBe(false);
	expect(() => parseSiteForm(siteForm({ hostnames: '!staging.example.com' }))).toThrow(
		expect.objectContaining({
			status: 400,
			message:
				'hostnames must list at least one host name to take: an entry with ! only keeps a host out'
		})
	);
});
