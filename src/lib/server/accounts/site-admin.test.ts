import { expect, test } from 'vitest';
import { siteForOwner } from './site-admin';
import { siteRecord } from './sites';
import { createToken } from './tokens';

test('an owner’s view of a site keeps no hash of a token or of the share link, nor _id and _rev', () => {
	const { token } = createToken('report', () => 1_700_000_000_000);
	const stored = {
		...siteRecord(
			{ id: 'blog', name: 'Blog', hostnames: ['blog.example.com'], timeZone: 'Europe/Paris' },
			['alice'],
			1_700_000_000_000
		),
		_rev: '3-abc',
		tokens: [token],
		shareHash: 'f'.repeat(64)
	};
	expect(siteForOwner(stored)).toEqual({
		id: 'blog',
		name: 'Blog',
		hostnames: ['blog.example.com'],
		timeZone: 'Europe/Paris',
		owners: ['alice'],
		tokens: [{ id: token.id, label: 'report', createdAt: 1_700_000_000_000 }],
		shared: true,
		shareSessions: false,
		goals: [],
		funnels: []
	});
	expect(siteForOwner({ ...stored, shareHash: undefined }).shared).toBe(false);
});
