import * as v from 'valibot';
import { afterEach, expect, test, vi } from 'vitest';
import { isTimeZone, siteInputSchema } from './sites';

afterEach(() => {
	vi.restoreAllMocks();
});

test('a time zone is checked once, and a name that is none stays refused', () => {
	const formats = vi.spyOn(Intl, 'DateTimeFormat');
	expect(isTimeZone('America/St_Johns')).toBe(true);
	expect(isTimeZone('America/St_Johns')).toBe(true);
	expect(formats).toHaveBeenCalledTimes(1);
	expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
	expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
	expect(isTimeZone('')).toBe(false);
	expect(formats).toHaveBeenCalledTimes(4);
});

test('more than 50 host names are refused saying so, as the other fields are', () => {
	// An outside probe: 500 were told valibot's "Invalid length: Expected <=50 but received 500".
	const site = { id: 'many', name: 'Many', timeZone: 'UTC' };
	const hostnames = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.test`);
	expect(v.safeParse(siteInputSchema, { ...site, hostnames: hostnames(50) }).success).toBe(true);
	const result = v.safeParse(siteInputSchema, { ...site, hostnames: hostnames(500) });
	expect(result.issues?.map((issue) => issue.message)).toEqual([
		'must list at most 50 host names (got 500)'
	]);
});

test.each([
	['tab\there', 'must not contain control characters'],
	// An outside probe: shown as "Café live" to co-owners.
	[
		'Café \u202eevil\u202c',
		'must not contain invisible characters that change how text shows (U+202E)'
	],
	['zero\u200bwidth', 'must not contain invisible characters that change how text shows (U+200B)']
])('a site named %j is refused: %s', (name, message) => {
	const result = v.safeParse(siteInputSchema, {
		id: 'named',
		name,
		hostnames: ['named.test'],
		timeZone: 'UTC'
	});
	expect(result.issues?.map((issue) => issue.message)).toEqual([message]);
});

test('a site name may hold the joiners words and emoji need', () => {
	const name = 'می\u200cخواهم 👩\u200d💻';
	const result = v.safeParse(siteInputSchema, {
		id: 'named',
		name,
		hostnames: ['named.test'],
		timeZone: 'UTC'
	});
	expect(result.success && result.output.name).toBe(name);
});
