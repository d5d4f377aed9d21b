import { describe, expect, test } from 'vitest';
import {
	goalFilter,
	goalLabel,
	goalPlan,
	propPeriod,
	wildcardMatcher,
	wildcardPeriod
} from './goals';
import { seededRandom } from '../../../tests/support/synthetic';

describe('goals', () => {
	test('an exact goal reads its filter scope; a wildcard’s filter is its page pattern; a prop goal’s its event with the prop', () => {
		expect(goalPlan({ id: 'a', kind: 'event', name: 'signup' })).toEqual({
			view: 'metrics',
			filter: { kind: 'event', value: 'signup' }
		});
		expect(goalFilter({ id: 'b', kind: 'page', path: '/thanks' })).toEqual({
			kind: 'page',
			value: '/thanks'
		});
		const prop = {
			id: 'c',
			kind: 'event',
			name: 'signup',
			prop: { key: 'plan', value: 'pro' }
		} as const;
		const filter = { kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } };
		expect(goalFilter(prop)).toEqual(filter);
		expect(goalPlan(prop)).toEqual({ view: 'metrics', filter });
		// A name holding | (or a key holding | or =) has no prop scope in the views.
		const piped = { ...prop, name: 'sign|up' };
		expect(goalFilter(piped)).toBeNull();
		expect(goalPlan(piped)).toEqual({
			view: 'event-props',
			name: 'sign|up',
			key: 'plan',
			value: 'pro'
		});
		const wildcard = { id: 'd', kind: 'page', path: '/docs/*' } as const;
		expect(goalPlan(wildcard).view).toBe('pages');
		expect(goalFilter(wildcard)).toEqual({ kind: 'page', value: '/docs/*' });
		expect(goalLabel(prop)).toBe('signup (plan = pro)');
	});

	test('a wildcard stands for any characters, slashes included; the rest is literal', () => {
		const match = wildcardMatcher('/docs/*.html');
		expect(match('/docs/a.html')).toBe(true);
		expect(match('/docs/a/b.html')).toBe(true);
		expect(match('/docs/aXhtml')).toBe(false);
		expect(match('/docs/')).toBe(false);
		expect(wildcardMatcher('/a(b)+')('/a(b)+')).toBe(true);
	});

	test('a wildcard matches as the regular expression it stands for, on random patterns and paths', () => {
		const seed = Math.floor(Math.random() * 2 ** 31);
		const random = seededRandom(seed);
		const text = (alphabet: string, length: number) =>
			Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
		for (let i = 0; i < 5_000; i++) {
			const pattern = text('ab/**', Math.floor(random() * 7));
			const path = text('ab/', Math.floor(random() * 9));
			const source = pattern
				.split('*')
				.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
				.join('[\\s\\S]*');
			const expected = new RegExp(`^${source}$`).test(path);
			expect(wildcardMatcher(pattern)(path), `seed ${seed}: ${pattern} on ${path}`).toBe(expected);
		}
	});

	test('many stars against a long path answer at once (a backtracking regular expression took minutes)', () => {
		const path = '/' + 'a'.repeat(5_000);
		expect(wildcardMatcher('/*a*a*a*a*a*a*a*a*a*a*b')(path)).toBe(false);
		expect(wildcardMatcher('/*a*a*a*a*a*a*a*a*a*a*a')(path)).toBe(true);
		expect(wildcardMatcher('*' + 'a*'.repeat(200) + 'b')(path)).toBe(false);
		expect(wildcardMatcher('**')('')).toBe(true);
		expect(wildcardMatcher('/a*a')('/a')).toBe(false);
		expect(wildcardMatcher('/x\u2028*')('/x\u2028\u2028')).toBe(true);
	});

	test('a wildcard goal counts visitors only when one path matched', () => {
		const rows = [
			{ key: ['s', 'd', '2026-11-10', '/docs/a'], value: [3, 2, 0, 0, 0] },
			{ key: ['s', 'd', '2026-11-11', '/docs/a'], value: [1, 1, 0, 0, 0] },
			{ key: ['s', 'd', '2026-11-11', '/docs/b'], value: [2, 2, 0, 0, 0] },
			{ key: ['s', 'd', '2026-11-11', '/blog'], value: [9, 9, 0, 0, 0] }
		];
		expect(wildcardPeriod(rows, wildcardMatcher('/docs/*'), 10)).toEqual({
			conversions: 6,
			visitors: null,
			conversionRate: null
		});
		expect(wildcardPeriod(rows, wildcardMatcher('/docs/a*'), 10)).toEqual({
			conversions: 4,
			visitors: 3,
			conversionRate: 0.3
		});
	});

	test('a prop goal without a prop filter counts the events with that value of that prop', () => {
		const rows = [
			{ key: ['s', 'd', '2026-11-10', 'signup', 'plan', 'pro'], value: 2 },
			{ key: ['s', 'd', '2026-11-11', 'signup', 'plan', 'pro'], value: 1 },
			{ key: ['s', 'd', '2026-11-11', 'signup', 'plan', 'free'], value: 5 },
			{ key: ['s', 'd', '2026-11-11', 'order', 'plan', 'pro'], value: 7 }
		];
		const plan = { view: 'event-props', name: 'signup', key: 'plan', value: 'pro' } as const;
		expect(propPeriod(rows, plan, 10)).toEqual({
			conversions: 3,
			visitors: null,
			conversionRate: null
		});
	});
});
