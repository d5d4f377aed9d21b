import { describe, expect, test } from 'vitest';
import { rangeQuery, resolveRange } from './range';

// 2026-11-21 23:30 UTC is already 2026-11-22 in Paris.
const NOW = Date.UTC(2026, 10, 21, 23, 30);
const valid = (tz: string) => tz !== 'Nowhere/Else';
const resolve = (query: string, tz = 'UTC') =>
	resolveRange(new URLSearchParams(query), tz, NOW, valid);

describe('resolveRange', () => {
	test.each([
		['range=today', { preset: 'today', from: '2026-11-21', to: '2026-11-21' }],
		['range=7d', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }],
		['range=30d', { preset: '30d', from: '2026-10-23', to: '2026-11-21' }],
		['range=month', { preset: 'month', from: '2026-11-01', to: '2026-11-21' }],
		['', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }],
		['range=bogus', { preset: '7d', from: '2026-11-15', to: '2026-11-21' }],
		[
			'range=custom&from=2026-10-01&to=2026-10-31',
			{ preset: 'custom', from: '2026-10-01', to: '2026-10-31' }
		],
		['range=custom&to=2026-10-31', { preset: 'custom', from: '2026-10-25', to: '2026-10-31' }],
		['range=custom', { preset: 'custom', from: '2026-11-15', to: '2026-11-21' }]
	])('reads "%s" in UTC', (query, expected) => {
		expect(resolve(query)).toEqual({ ...expected, tz: 'UTC' });
	});

	test('takes "today" in the chosen time zone', () => {
		expect(resolve('range=today&tz=Europe/Paris')).toEqual({
			preset: 'today',
			from: '2026-11-22',
			to: '2026-11-22',
			tz: 'Europe/Paris'
		});
	});

	test('defaults to the site time zone', () => {
		expect(resolve('range=today', 'Europe/Paris').tz).toBe('Europe/Paris');
	});

	test('keeps an unknown time zone for the page to refuse, taking today in the site zone', () => {
		expect(resolve('range=today&tz=Nowhere/Else')).toEqual({
			preset: 'today',
			from: '2026-11-21',
			to: '2026-11-21',
			tz: 'Nowhere/Else'
		});
	});

	test('leaves a malformed custom date for the Stats API parser to name', () => {
		expect(resolve('range=custom&from=yesterday&to=2026-11-02').from).toBe('yesterday');
	});
});

describe('rangeQuery', () => {
	test('writes presets without dates and custom ranges with them', () => {
		expect(rangeQuery({ preset: '7d', from: 'x', to: 'y', tz: 'UTC' })).toBe('range=7d&tz=UTC');
		expect(
			rangeQuery({ preset: 'custom', from: '2026-10-01', to: '2026-10-31', tz: 'Europe/Paris' })
		).toBe('range=custom&from=2026-10-01&to=2026-10-31&tz=Europe%2FParis');
	});
});
