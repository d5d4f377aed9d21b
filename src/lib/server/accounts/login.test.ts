import { expect, test } from 'vitest';
import { NAME_MAX, PASSWORD_MAX } from '../../account-limits';
import type { Couch } from '../couch';
import { attemptLogin, landingAfterLogin } from './login';
import { LoginThrottle } from './login-throttle';

test.each([
	['a name', 'x'.repeat(NAME_MAX + 1), 'a password'],
	['a password', 'alice', 'x'.repeat(PASSWORD_MAX + 1)]
])('%s too long is a 400 before the throttle, which would keep it', async (_, name, password) => {
	// An outside security probe crashed the app with 500 KB names, each kept by the throttle.
	const throttle = new LoginThrottle();
	let attempted = 0;
	throttle.attempt = () => (attempted++, Promise.resolve({ ran: false }));
	const outcome = await attemptLogin(
		{} as Couch,
		{ name, password, client: '203.0.113.1' },
		throttle
	);
	expect(outcome).toEqual({
		ok: false,
		status: 400,
		message: `An account name has at most ${NAME_MAX} characters and a password at most ${PASSWORD_MAX}.`
	});
	expect(attempted).toBe(0);
});

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
