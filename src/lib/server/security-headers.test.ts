import { describe, expect, test } from 'vitest';
import { securityHeaders, withSecurityHeaders } from './security-headers';

describe('security headers', () => {
	test("every answer: no sniffing, no framing, no referrer off the origin; an owner's page is never cached", () => {
		const common = {
			'X-Content-Type-Options': 'nosniff',
			'X-Frame-Options': 'DENY',
			'Content-Security-Policy': "frame-ancestors 'none'",
			'Referrer-Policy': 'same-origin'
		};
		expect(securityHeaders('/stats')).toEqual(common);
		for (const path of ['/sites', '/sites/blog', '/sites/blog/settings']) {
			expect(securityHeaders(path)).toEqual({ ...common, 'Cache-Control': 'private, no-store' });
		}
		expect(securityHeaders('/sitesmap.xml')).toEqual(common);
	});

	test('an answer keeps the headers it set, and one with immutable headers is copied', async () => {
		const own = withSecurityHeaders(
			new Response('x', { headers: { 'Cache-Control': 'no-cache' } }),
			'/sites/blog'
		);
		expect(own.headers.get('cache-control')).toBe('no-cache');
		expect(own.headers.get('x-frame-options')).toBe('DENY');
		const fetched = Response.redirect('https://example.com/', 302);
		const copied = withSecurityHeaders(fetched, '/');
		expect(copied.status).toBe(302);
		expect(copied.headers.get('location')).toBe('https://example.com/');
		expect(copied.headers.get('x-content-type-options')).toBe('nosniff');
	});
});
