import { describe, expect, test } from 'vitest';
import {
	filterKey,
	filterLabel,
	filterParams,
	filterScopes,
	isPattern,
	MAX_PATTERN_PATHS,
	patternPrefix,
	propFilterProblem,
	sameFilter,
	TooManyPathsError,
	type Filter
} from './filters';

describe('a prop filter (an event with one prop value)', () => {
	const prop = { kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro=x' } } as const;

	test('is the scope prop:<name>|<key>=<value> the views emit, and its own parameters', () => {
		expect(filterKey(prop)).toBe('prop:signup|plan=pro=x');
		expect(filterScopes(prop)).toEqual({
			keys: ['prop:signup|plan=pro=x'],
			visitorsExact: true,
			firingsOnly: true
		});
		expect(filterParams(prop)).toEqual([
			['event', 'signup'],
			['prop', 'plan=pro=x']
		]);
		expect(filterLabel(prop)).toBe('event signup with plan = pro=x');
	});

	test('is not the event filter, nor another value', () => {
		const event = { kind: 'event', value: 'signup' } as const;
		expect(sameFilter(prop, { ...event, prop: { key: 'plan', value: 'pro=x' } })).toBe(true);
		expect(sameFilter(prop, event)).toBe(false);
		expect(sameFilter(prop, { ...event, prop: { key: 'plan', value: 'free' } })).toBe(false);
		expect(sameFilter(null, undefined)).toBe(true);
	});

	test.each([
		['a|b', 'c', 'the event name a|b holds |, so it has no prop filter'],
		['a', 'b|c', 'the prop name b|c holds | or =, so it has no prop filter'],
		['a', 'b=c', 'the prop name b=c holds | or =, so it has no prop filter'],
		['a', 'b', undefined]
	])('event %s with prop %s: %s', (name, key, problem) => {
		expect(propFilterProblem(name, key)).toBe(problem);
	});
});

describe('filterScopes', () => {
	test('a filter without a pattern is its own scope, with exact visitors; an event counts its firings alone', () => {
		for (const filter of [
			{ kind: 'page', value: '/pricing' },
			{ kind: 'source', value: '(direct)' },
			{ kind: 'event', value: 'sign*up' }
		] as const) {
			expect(isPattern(filter)).toBe(false);
			expect(filterScopes(filter, ['/ignored'])).toEqual({
				keys: [filterKey(filter)],
				visitorsExact: true,
				firingsOnly: filter.kind === 'event'
			});
		}
	});

	test('a page pattern is the page scopes of the listed paths it matches, sorted, once each', () => {
		const filter = { kind: 'page', value: '/docs/*' } as const;
		expect(isPattern(filter)).toBe(true);
		expect(
			filterScopes(filter, ['/docs/b', '/docs', '/docs/a', '/blog/docs/x', '/docs/a'])
		).toEqual({ keys: ['page:/docs/a', 'page:/docs/b'], visitorsExact: false, firingsOnly: false });
	});

	test.each<[string[], boolean]>([
		[[], true],
		[['/docs/a'], true],
		[['/docs/a', '/docs/b'], false]
	])('visitors add up only when at most one path matches (%j)', (paths, exact) => {
		expect(filterScopes({ kind: 'page', value: '/docs/*' }, paths).visitorsExact).toBe(exact);
	});

	test('a pattern matching more than the bound is refused, saying how many it matched', () => {
		const paths = Array.from({ length: MAX_PATTERN_PATHS + 1 }, (_, i) => `/p/${i}`);
		const filter = { kind: 'page', value: '/p/*' } as const;
		expect(() => filterScopes(filter, paths)).toThrow(TooManyPathsError);
		expect(() => filterScopes(filter, paths)).toThrow(
			`page /p/* matches ${MAX_PATTERN_PATHS + 1} paths, more than ${MAX_PATTERN_PATHS}: narrow the pattern`
		);
		expect(filterScopes(filter, paths.slice(1)).keys).toHaveLength(MAX_PATTERN_PATHS);
	});

	test('a pattern refused names its paths as they read', () => {
		const paths = Array.from({ length: MAX_PATTERN_PATHS + 1 }, (_, i) => `/%E4%BE%A1/${i}`);
		expect(() => filterScopes({ kind: 'page', value: '/%E4%BE%A1/*' }, paths)).toThrow(
			`page /価/* matches ${MAX_PATTERN_PATHS + 1} paths`
		);
	});

	test('a pattern’s prefix is its text before the first *', () => {
		expect(patternPrefix('/docs/*/intro*')).toBe('/docs/');
		expect(patternPrefix('*.pdf')).toBe('');
		expect(patternPrefix('/plain')).toBe('/plain');
	});
});

describe('filterLabel', () => {
	// An outside test: a page recorded as /%E4%BE%A1%E6%A0%BC%E8%A1%A8 was named so in the
	// dashboard's link titles and captions, while its row read /価格表.
	test.each<[Filter, string]>([
		[{ kind: 'page', value: '/%E4%BE%A1%E6%A0%BC%E8%A1%A8' }, 'page /価格表'],
		[{ kind: 'page', value: '/docs/%E6%97%A5*' }, 'page /docs/日*'],
		// What displayPath cannot read, or would let read as another path, stays as recorded.
		[{ kind: 'page', value: '/%E4%BE' }, 'page /%E4%BE'],
		[{ kind: 'page', value: '/%D0%B0dmin' }, 'page /%D0%B0dmin'],
		[{ kind: 'page', value: '/a%2Fb' }, 'page /a%2Fb'],
		// Only a page is a path: a source or event name is told as it is.
		[{ kind: 'source', value: 'caf%C3%A9.example' }, 'source caf%C3%A9.example'],
		[{ kind: 'event', value: '%C3%A9' }, 'event %C3%A9']
	])('%j reads %s', (filter, label) => {
		expect(filterLabel(filter)).toBe(label);
	});
});
