import { expect, test } from 'vitest';
import { landingAfterLogin } from './login';

test.each([
	['/sites/demo?range=30d', '/sites/demo?range=30d'],
	['/sites/demo#top', '/sites/demo#top'],
	['/\\evil.test/x', '/'],
	['/\t/evil.test', '/'],
	['/.//evil.test', '/'],
	['//evil.test', '/'],
	['/\\\\evil.test', '/'],
	['https://evil.test/', '/'],
	['javascript:alert(1)', '/'],
	['', '/']
])('after login, redirectTo=%j sends the browser to %j', (redirectTo, expected) => {
	const url = new URL('https://stats.example/login');
	url.searchParams.set('redirectTo', redirectTo);
	expect(landingAfterLogin(url)).toBe(expected);
});
