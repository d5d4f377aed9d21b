import { describe, expect, test } from 'vitest';
import { isPrivatePath } from './private-paths';

describe('isPrivatePath', () => {
	test.each([
		['/share/shr_abcdefghijklmnopqrstuvwxyz012345', true],
		['/sites', true],
		['/sites/demo', true],
		['/login', true],
		['/logout', true],
		['/', false],
		['/blog/hello-couchstats', false],
		['/shared-thoughts', false],
		['/sitesmap', false]
	])('%s is private: %s', (path, expected) => {
		expect(isPrivatePath(path)).toBe(expected);
	});
});
