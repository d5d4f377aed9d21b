import { describe, expect, test } from 'vitest';
import { titled } from './public-stats';

describe('titled', () => {
	test('a post is named by its title, resolved by its slug', () => {
		expect(titled('/blog/hello-couchstats')).toEqual({
			path: '/blog/hello-couchstats',
			title: 'Hello, couchstats',
			kind: 'post'
		});
	});

	test('a page of content/pages is a page', () => {
		expect(titled('/privacy')).toMatchObject({ kind: 'page' });
	});

	test("the app's own routes keep their path, and the root is Home", () => {
		expect(titled('/about')).toEqual({ path: '/about', title: '/about', kind: 'other' });
		expect(titled('/')).toEqual({ path: '/', title: 'Home', kind: 'other' });
	});

	test('a draft is not resolved: its path is shown as is', () => {
		expect(titled('/blog/draft-notes')).toMatchObject({ kind: 'other' });
	});
});
