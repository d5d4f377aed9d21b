import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DEMO_ROUTES, isPublicPath } from './public-paths';

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
