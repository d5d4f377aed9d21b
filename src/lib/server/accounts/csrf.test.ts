import { isHttpError } from '@sveltejs/kit';
import { describe, expect, test, vi } from 'vitest';
import {
	CROSS_SITE_LOG_MS,
	crossSiteMessage,
	isCrossSiteWrite,
	refuseCrossSiteWrite,
	takesCrossOriginWrites
} from './csrf';

const url = new URL('https://stats.example/login');
const req = (method: string, type: string | undefined, origin: string | undefined) =>
	new Request(url, {
		method,
		headers: { ...(type && { 'content-type': type }), ...(origin && { origin }) },
		body: method === 'GET' ? undefined : 'x'
	});

test.each([
	['POST', 'application/x-www-form-urlencoded', 'https://evil.example', true],
	['POST', 'multipart/form-data; boundary=x', undefined, true],
	['PUT', 'text/plain;charset=UTF-8', 'https://evil.example', true],
	['POST', undefined, 'https://evil.example', true],
	['POST', 'application/json', 'https://evil.example', true],
	['DELETE', undefined, 'https://stats.example.evil', true],
	['POST', undefined, undefined, true],
	['POST', 'application/x-www-form-urlencoded', 'https://stats.example', false],
	['POST', undefined, 'https://stats.example', false],
	['GET', undefined, 'https://evil.example', false]
])('%s %s from %s is a cross-site write: %s', (method, type, origin, expected) => {
	expect(isCrossSiteWrite(req(method, type, origin), url)).toBe(expected);
});

describe('an app whose ORIGIN is a loopback name', () => {
	const local = new URL('http://localhost:3000/logout');
	const post = (origin: string | undefined, host: string) =>
		new Request(local, { method: 'POST', headers: { host, ...(origin && { origin }) } });

	test.each([
		['http://localhost:3000', 'localhost:3000', false],
		['http://127.0.0.1:3000', '127.0.0.1:3000', false],
		['http://[::1]:3000', '[::1]:3000', false],
		// The same page names, but not the name the request was sent to.
		['http://127.0.0.1:3000', 'evil.test:3000', true],
		['http://127.0.0.1:3000', 'localhost:3000', true],
		// DNS rebinding: another name that resolves to this machine.
		['http://evil.test:3000', 'evil.test:3000', true],
		['http://app.localhost:3000', 'app.localhost:3000', true],
		['http://localhost.evil.test:3000', 'localhost.evil.test:3000', true],
		// Other loopback spellings, other ports and schemes are other origins.
		['http://127.1:3000', '127.1:3000', true],
		['http://127.0.0.2:3000', '127.0.0.2:3000', true],
		['http://127.0.0.1:3001', '127.0.0.1:3001', true],
		['https://127.0.0.1:3000', '127.0.0.1:3000', true],
		['http://192.168.1.20:3000', '192.168.1.20:3000', true],
		['null', '127.0.0.1:3000', true],
		[undefined, '127.0.0.1:3000', true]
	])('a POST from %s to host %s is a cross-site write: %s', (origin, host, expected) => {
		expect(isCrossSiteWrite(post(origin, host), local)).toBe(expected);
	});
});

test('a public ORIGIN accepts only itself, even from loopback names', () => {
	const request = new Request('https://stats.example/logout', {
		method: 'POST',
		headers: { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }
	});
	expect(isCrossSiteWrite(request, url)).toBe(true);
});

describe('the refusal', () => {
	const from = (headers: Record<string, string>) =>
		new Request(url, { method: 'POST', headers: { origin: 'https://evil.example', ...headers } });

	test('names the sending page, the app and what to do', () => {
		expect(crossSiteMessage('https://evil.example', url)).toBe(
			'Refused: this form was sent from a page of https://evil.example, not from couchstats ' +
				'itself (https://stats.example). couchstats accepts changes only from its own pages. ' +
				'If you opened couchstats at another address, open https://stats.example instead, or ' +
				'start couchstats with ORIGIN set to the address you use.'
		);
		expect(crossSiteMessage(null, url)).toContain('from a page that did not say where it was');
	});

	test('is an action result a page enhanced by SvelteKit can show', async () => {
		const response = refuseCrossSiteWrite(from({ 'x-sveltekit-action': 'true' }), url);
		expect(response.status).toBe(403);
		expect(await response.json()).toEqual({
			type: 'error',
			error: { message: crossSiteMessage('https://evil.example', url) }
		});
	});

	test('is said in the log, at most once every few minutes', () => {
		// A wrong ORIGIN refused every login without a word in the log (an outside probe
		// behind a proxy); an attacker's posts must not flood it.
		const lines: string[] = [];
		vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
		const later = Date.now() + 365 * 86_400_000;
		for (const at of [later, later + CROSS_SITE_LOG_MS - 1, later + CROSS_SITE_LOG_MS]) {
			refuseCrossSiteWrite(from({ 'x-sveltekit-action': 'true' }), url, at);
		}
		vi.restoreAllMocks();
		expect(lines).toHaveLength(2);
		expect(lines[0]).toMatch(
			/couchstats: refused a change \(POST \/login\) sent from a page of https:\/\/evil\.example: the app takes changes only from its ORIGIN, https:\/\/stats\.example; if owners open it at another address, set ORIGIN to that address$/
		);
	});

	test('is a 403 error for SvelteKit to render for anything else', () => {
		let thrown: unknown;
		try {
			refuseCrossSiteWrite(from({ accept: 'text/html' }), url);
		} catch (e) {
			thrown = e;
		}
		expect(isHttpError(thrown, 403)).toBe(true);
	});
});

test.each([
	['/api/ingest/_bulk_docs', true],
	['/api/ingest', true],
	['/api/v1/visitor', true],
	['/api/v1/visitor/x', false],
	['/api/v1/visitors', false],
	['/api/v1/stats', false],
	['/api/ingestion', false],
	['/logout', false]
])('%s takes cross-origin writes: %s', (pathname, expected) => {
	expect(takesCrossOriginWrites(pathname)).toBe(expected);
});
