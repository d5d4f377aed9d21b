import { expect, test } from 'vitest';
import { isCrossSiteWrite, takesCrossOriginWrites } from './csrf';

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
