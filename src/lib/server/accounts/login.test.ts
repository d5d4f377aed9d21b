import { expect, test } from 'vitest';
import { landingAfterLogin } from './login';

test.each([
	['/sites/demo?range=30d', '/sites/demo?range=30d'],
	['/sites/demo#top', '/sites/demo#top'],
	['/', '/'],
	['/\\evil.test/x', '/sites'],
	['/\t/evil.test', '/sites'],
	['/.//evil.test', '/sites'],
	['//evil.test', '/sites'],
	['/\\\\evil.test', '/sites'],
	['https://evil.test/', '/sites'],
	['javascript:alert(1)', '/sites'],
	['', '/sites']
])('after login, redirectTo=%j sends the browser to %j', (redirectTo, expected) => {
	const url = new URL('https://stats.example/login');
	url.searchParams.set('redirectTo', redirectTo);
	expect(landingAfterLogin(url)).toBe(expected);
});
