import { describe, expect, test } from 'vitest';
import { demoSite } from './sites';
import {
	MAX_TOKENS,
	bearerToken,
	createToken,
	findToken,
	hashToken,
	withToken,
	withoutToken
} from './tokens';

const fixedRandom = (size: number) => Buffer.alloc(size, 7);

describe('API tokens', () => {
	test('a created token is stored only as its SHA-256', () => {
		const { secret, token } = createToken('CI', { now: () => 1_000, random: fixedRandom });
		expect(secret).toBe('cst_' + Buffer.alloc(32, 7).toString('base64url'));
		expect(token).toEqual({
			id: `tok_${hashToken(secret).slice(0, 8)}`,
			label: 'CI',
			hash: hashToken(secret),
			createdAt: 1_000
		});
		expect(JSON.stringify(token)).not.toContain(secret);
	});

	test('a token may download the raw records only when made for it', () => {
		expect(createToken('report').token.records).toBeUndefined();
		expect(createToken('backup', { records: true }).token.records).toBe(true);
		expect(createToken('report', { records: false }).token).not.toHaveProperty('records');
	});

	test('hashes are hex SHA-256', () => {
		expect(hashToken('abc')).toBe(
			'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
		);
	});

	test('a site finds its own token and no other', () => {
		const { secret, token } = createToken('CI');
		const site = withToken(demoSite(0), token);
		expect(findToken(site, secret)).toEqual(token);
		expect(findToken(site, secret + 'x')).toBeUndefined();
		expect(findToken(demoSite(0), secret)).toBeUndefined();
		expect(findToken(withoutToken(site, token.id), secret)).toBeUndefined();
	});

	test('a site holds at most MAX_TOKENS tokens; revoking one makes room', () => {
		let site = demoSite(0);
		for (let i = 0; i < MAX_TOKENS; i++) site = withToken(site, createToken(`t${i}`).token);
		expect(() => withToken(site, createToken('one more').token)).toThrow(
			expect.objectContaining({
				status: 400,
				message: `a site has at most ${MAX_TOKENS} API tokens; revoke one first`
			})
		);
		site = withoutToken(site, site.tokens[0].id);
		expect(withToken(site, createToken('one more').token).tokens).toHaveLength(MAX_TOKENS);
	});

	test.each([
		['Bearer cst_abc', 'cst_abc'],
		['bearer   cst_abc ', 'cst_abc'],
		['Basic YWRtaW46eA==', undefined],
		['Bearer', undefined],
		[null, undefined]
	])('the Authorization header %s carries the bearer token %s', (header, expected) => {
		expect(bearerToken(header)).toBe(expected);
	});
});
