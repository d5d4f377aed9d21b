import { afterEach, expect, test, vi } from 'vitest';
import { isTimeZone } from './sites';

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
