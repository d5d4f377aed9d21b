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
