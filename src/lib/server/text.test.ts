import { expect, test } from 'vitest';
import { hasNoControl } from './text';

test.each([
	['/pricing', true],
	['Café 日本 😀', true],
	['', true],
	['x\u0001y', false],
	['tab\there', false],
	['line\nbreak', false],
	['nul\u0000', false],
	['del\u007f', false],
	['\u0080 is not C0', true]
])('%j is free of control characters: %s', (text, free) => {
	expect(hasNoControl(text)).toBe(free);
});
