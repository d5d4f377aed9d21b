import { expect, test } from 'vitest';
import { SESSION_LIFETIME_S, authSessionCookie, isCurrent, issuedAt } from './session-token';

const token = (text: string) => Buffer.from(text, 'latin1').toString('base64url');
const now = Date.parse('2026-11-21T12:00:00Z');
const at = (seconds: number) => token(`admin:${seconds.toString(16).toUpperCase()}:\u0000:hmac`);

test('reads the issue time of an AuthSession value, binary hmac and UTF-8 names included', () => {
	expect(issuedAt(token('admin:6920A3C0:\u003a\u00ff\u0000'))).toBe(0x6920a3c0);
	expect(issuedAt(Buffer.from('zoë:6920A3C0:x').toString('base64url'))).toBe(0x6920a3c0);
	expect(issuedAt(token('no timestamp here'))).toBeUndefined();
	expect(issuedAt('')).toBeUndefined();
});

test.each([
	['now', now / 1000, true],
	['a minute ahead (clock skew)', now / 1000 + 60, true],
	['two minutes ahead', now / 1000 + 120, false],
	['ten years ahead', now / 1000 + 10 * 365 * 86400, false],
	['just within the lifetime', now / 1000 - SESSION_LIFETIME_S + 1, true],
	['one lifetime ago', now / 1000 - SESSION_LIFETIME_S, false]
])('a token issued %s is current: %s', (_, seconds, expected) => {
	expect(isCurrent(at(seconds), now)).toBe(expected);
});

test('finds AuthSession in a Cookie header', () => {
	expect(authSessionCookie('a=1; AuthSession=abc; b=2')).toBe('abc');
	expect(authSessionCookie('xAuthSession=abc')).toBeUndefined();
	expect(authSessionCookie(undefined)).toBeUndefined();
});
