import { describe, expect, test } from 'vitest';
import { trackerPreloadLinks, withStartNonce } from './tracker-preload';

describe('tracker core preload links', () => {
	test('name each built file of the core', () => {
		expect(trackerPreloadLinks('_app/immutable/chunks/a.js,_app/immutable/chunks/b.js')).toBe(
			'<link rel="modulepreload" href="/_app/immutable/chunks/a.js" data-couchstats-core>' +
				'<link rel="modulepreload" href="/_app/immutable/chunks/b.js" data-couchstats-core>'
		);
	});

	test('are none before a build named the files (the sources, dev)', () => {
		expect(trackerPreloadLinks()).toBe('');
		expect(trackerPreloadLinks('')).toBe('');
	});
});

describe("<Analytics>'s inline start under the pages' policy", () => {
	const page = (headers: Record<string, string>) =>
		new Response('<head><script data-couchstats-start>{start()}</script></head>', {
			status: 200,
			headers: { 'content-type': 'text/html', 'content-length': '61', ...headers }
		});

	test("gets the nonce of the page's policy, which SvelteKit gives only its own scripts", async () => {
		const policy = "script-src 'self' 'nonce-abc+/='; frame-ancestors 'none'";
		const out = await withStartNonce(
			page({ 'content-security-policy': policy, 'set-cookie': 'a=1' })
		);
		expect(await out.text()).toBe(
			'<head><script data-couchstats-start nonce="abc+/=">{start()}</script></head>'
		);
		expect(out.headers.get('content-security-policy')).toBe(policy);
		expect(out.headers.get('set-cookie')).toBe('a=1');
		expect(out.headers.get('content-length')).toBeNull();
	});

	test('is left as it is under a policy without a nonce, and so is an answer that is no page', async () => {
		const plain = page({ 'content-security-policy': "frame-ancestors 'none'" });
		expect(await withStartNonce(plain)).toBe(plain);
		const json = new Response('{}', {
			headers: { 'content-type': 'application/json', 'content-security-policy': "'nonce-x'" }
		});
		expect(await withStartNonce(json)).toBe(json);
	});
});
