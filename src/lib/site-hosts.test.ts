import { expect, test } from 'vitest';
import { hostListed, ownSource } from './site-hosts';

const hostnames = ['www.example.test', 'shop.example.test', '*.pay.test', 'localhost:5173'];

test.each([
	['www.example.test', undefined, true],
	['shop.example.test', '443', true],
	['example.test', undefined, false],
	['checkout.pay.test', undefined, true],
	['a.b.pay.test', undefined, true],
	['pay.test', undefined, false],
	['evilpay.test', undefined, false],
	['shop.example.test.evil', undefined, false],
	['localhost', '5173', true],
	['localhost', '3000', false],
	['localhost', undefined, true]
])('hostListed(%s, port %s) is %s', (host, port, listed) => {
	expect(hostListed(hostnames, host, port)).toBe(listed);
});

test.each([
	['example.test', true],
	['shop.example.test', true],
	['checkout.pay.test', true],
	['localhost', true],
	['google.com', false],
	['(direct)', false],
	// `www.pay.test` is one of `*.pay.test`, and a source has lost its `www.`.
	['pay.test', true]
])("ownSource(%s) is %s: a source named by the site's own host is none", (src, own) => {
	expect(ownSource(hostnames, src)).toBe(own);
});
