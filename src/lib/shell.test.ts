import { expect, test } from 'vitest';
import { sharedPageLinks, sitePageLinks, switchHref } from './shell';

test.each([
	['/sites/alpha', 'beta', '/sites/beta'],
	['/sites/alpha/settings', 'beta', '/sites/beta/settings'],
	['/sites/alpha/sessions/019a8f00-0000-7000-8000-000000000001', 'beta', '/sites/beta/sessions'],
	['/sites/alpha/no-such-page', 'beta', '/sites/beta'],
	['/sites', 'beta', '/sites/beta'],
	['/login', 'beta', '/sites/beta'],
	['/sites/alpha', 'a b', '/sites/a%20b']
])('switching from %s to %s goes to %s', (pathname, site, href) => {
	expect(switchHref(new URL(pathname, 'http://localhost'), site)).toBe(href);
});

test.each([
	['/sites/alpha?range=30d&tz=Asia/Tokyo&page=/pricing', '/sites/beta?range=30d'],
	[
		'/sites/alpha/sessions?range=custom&from=2026-11-01&to=2026-11-07&source=x',
		'/sites/beta/sessions?range=custom&from=2026-11-01&to=2026-11-07'
	],
	['/sites/alpha/funnels?funnel=f1&range=12mo', '/sites/beta/funnels?range=12mo'],
	['/sites/alpha/settings?range=30d', '/sites/beta/settings'],
	['/sites/alpha?tz=UTC', '/sites/beta']
])('switching from %s keeps the period only: %s', (from, href) => {
	expect(switchHref(new URL(from, 'http://localhost'), 'beta')).toBe(href);
});

test('the site links mark the page being shown', () => {
	expect(sitePageLinks('alpha', '/sites/alpha/settings')).toEqual([
		{ href: '/sites/alpha', label: 'Dashboard', current: false },
		{ href: '/sites/alpha/sessions', label: 'Sessions', current: false },
		{ href: '/sites/alpha/funnels', label: 'Funnels', current: false },
		{ href: '/sites/alpha/settings', label: 'Settings', current: true }
	]);
	expect(sitePageLinks('alpha', '/sites/alpha').map((link) => link.current)).toEqual([
		true,
		false,
		false,
		false
	]);
});

test('a share link links its dashboard, its session list when it shows sessions and its funnels when the site has some', () => {
	expect(
		sharedPageLinks('shr_a b', { sessions: true, funnels: false }, '/share/shr_a%20b/sessions')
	).toEqual([
		{ href: '/share/shr_a%20b', label: 'Dashboard', current: false },
		{ href: '/share/shr_a%20b/sessions', label: 'Sessions', current: true }
	]);
	expect(sharedPageLinks('shr_x', { sessions: false, funnels: true }, '/share/shr_x')).toEqual([
		{ href: '/share/shr_x', label: 'Dashboard', current: true },
		{ href: '/share/shr_x/funnels', label: 'Funnels', current: false }
	]);
	expect(
		sharedPageLinks('shr_x', { sessions: true, funnels: true }, '/share/shr_x/funnels').map(
			(link) => [link.label, link.current]
		)
	).toEqual([
		['Dashboard', false],
		['Sessions', false],
		['Funnels', true]
	]);
	expect(sharedPageLinks('shr_x', { sessions: false, funnels: false }, '/share/shr_x')).toEqual([]);
});
