import { expect, test } from 'vitest';
import { hostExcluded, hostListed, ownSource, pageHost } from './site-hosts';

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

const wildcard = [
	'example.test',
	'*.example.test',
	'!staging.example.test',
	'!*.dev.example.test:8080'
];

test.each([
	['www.example.test', undefined, true],
	['example.test', undefined, true],
	// Kept out of the wildcard, whatever the port, and wherever the entry stands.
	['staging.example.test', undefined, false],
	['staging.example.test', '443', false],
	['a.staging.example.test', undefined, true],
	// An exclusion with a port keeps out that port only.
	['x.dev.example.test', '8080', false],
	['x.dev.example.test', '443', true],
	// Without a port (a record's host, which the ingest checks after its origin's): one
	// port kept out keeps the host in, or a page on 443 had its records refused.
	['x.dev.example.test', undefined, true]
])('with exclusions, hostListed(%s, port %s) is %s', (host, port, listed) => {
	expect(hostListed(wildcard, host, port)).toBe(listed);
	expect(hostListed([...wildcard].reverse(), host, port)).toBe(listed);
	expect(hostExcluded(wildcard, host, port)).toBe(!listed);
});

test("an exclusion alone takes nothing, and staging is a source and an outbound link's host, not the site's own", () => {
	expect(hostListed(['!staging.example.test'], 'www.example.test')).toBe(false);
	expect(ownSource(wildcard, 'staging.example.test')).toBe(false);
	expect(ownSource(wildcard, 'shop.example.test')).toBe(true);
});

test.each([
	['https://Shop.Example.com:8443/cart?x=1', 'shop.example.com'],
	['Shop.Example.com', 'shop.example.com'],
	['bücher.example', 'xn--bcher-kva.example'],
	['http://[::1]:8080/', '[::1]'],
	['a b', undefined],
	['', undefined],
	['https://', undefined]
])('pageHost(%j) is %j: as a URL writes its hostname', (text, host) => {
	expect(pageHost(text)).toBe(host);
});
