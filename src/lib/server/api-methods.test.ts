import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { API_READ_METHODS, wrongApiMethod } from './api-methods';

const API = path.resolve(import.meta.dirname, '../../routes/api/v1');

/** Every `+server.ts` below `/api/v1`, as its route id, with the methods it exports. */
function routes(dir = API, id = '/api/v1'): [string, string[]][] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		if (entry.isDirectory()) return routes(path.join(dir, entry.name), `${id}/${entry.name}`);
		if (entry.name !== '+server.ts') return [];
		const source = fs.readFileSync(path.join(dir, entry.name), 'utf8');
		const methods = [...source.matchAll(/^export (?:const|(?:async )?function) ([A-Z]+)\b/gm)];
		return [[id, methods.map((m) => m[1])]];
	});
}

describe('the API’s methods', () => {
	test('every API route but the visitor endpoint is read only, as wrongApiMethod assumes', () => {
		const found = routes();
		expect(found.length).toBeGreaterThanOrEqual(10);
		for (const [id, methods] of found) {
			if (id === '/api/v1/visitor') continue;
			// A route that takes a write needs its own place in api-methods.ts and the CSRF rule.
			expect(methods, id).toEqual(['GET']);
		}
	});

	test('another method on a read-only route is a 405 in the API’s JSON, naming what it takes', async () => {
		for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
			const res = wrongApiMethod('/api/v1/stats', '/api/v1/stats', method)!;
			expect(res.status).toBe(405);
			expect(res.headers.get('allow')).toBe('GET, HEAD');
			expect(await res.json()).toEqual({
				error: 'method_not_allowed',
				message: `/api/v1/stats is read with GET only (the API changes nothing); ${method} is not taken here`
			});
		}
		for (const method of API_READ_METHODS) {
			expect(wrongApiMethod('/api/v1/stats', '/api/v1/stats', method)).toBeUndefined();
		}
	});

	test('the visitor endpoint, the ingest, pages and unknown addresses are left to their own rules', () => {
		expect(wrongApiMethod('/api/v1/visitor', '/api/v1/visitor', 'POST')).toBeUndefined();
		// Its route, however its address is spelt (SvelteKit matches the decoded path).
		expect(wrongApiMethod('/api/v1/visitor', '/api/v1/visit%6Fr', 'POST')).toBeUndefined();
		expect(
			wrongApiMethod('/api/ingest/[...path]', '/api/ingest/db/_bulk_docs', 'PUT')
		).toBeUndefined();
		expect(wrongApiMethod('/sites/[site]/settings', '/sites/a/settings', 'POST')).toBeUndefined();
		expect(wrongApiMethod(null, '/api/v1/nothing', 'DELETE')).toBeUndefined();
	});
});
