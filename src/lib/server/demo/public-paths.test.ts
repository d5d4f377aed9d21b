import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DEMO_ROUTES, isPublicPath, publicRecord } from './public-paths';
import { OTHER } from '../../stats/breakdowns';

describe('isPublicPath', () => {
	test.each([
		['/', true],
		['/blog', true],
		['/blog/hello-couchstats', true],
		['/privacy', true],
		['/about', true],
		['/stats', true],
		['/blog/draft-notes', false],
		['/share/shr_abcdefghijklmnopqrstuvwxyz012345', false],
		['/sites', false],
		['/sites/demo', false],
		['/login', false],
		['/logout', false],
		['/no-such-page', false],
		['/buy-cheap-pills-at-example-com', false],
		['/about/', false]
	])('%s is public: %s', (path, expected) => {
		expect(isPublicPath(path)).toBe(expected);
	});

	test('every route of the demo site without a parameter is listed', () => {
		const root = path.resolve('src/routes/(demo)');
		const routes = fs
			.readdirSync(root, { recursive: true, encoding: 'utf8' })
			.filter((file) => path.basename(file) === '+page.svelte')
			.map((file) => '/' + path.dirname(file).replace(/^\.$/, ''))
			.map((route) => (route === '/' ? route : route.replace(/\/$/, '')))
			.filter((route) => !route.includes('['));
		expect(routes.sort()).toEqual([...DEMO_ROUTES].sort());
	});
});

describe('publicRecord', () => {
	test('keeps a public path, and the type and time, but never an event name', () => {
		expect(publicRecord({ type: 'event', path: '/pricing', name: 'buy', ts: 5 })).toEqual({
			type: 'event',
			path: '/pricing',
			ts: 5
		});
	});

	test('names any other path "(other)"', () => {
		expect(publicRecord({ type: 'return', path: '/sites/demo', ts: 6 })).toEqual({
			type: 'return',
			path: OTHER,
			ts: 6
		});
	});
});
