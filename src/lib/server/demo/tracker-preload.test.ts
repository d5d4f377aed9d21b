import { describe, expect, test } from 'vitest';
import { trackerPreloadLinks } from './tracker-preload';

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
