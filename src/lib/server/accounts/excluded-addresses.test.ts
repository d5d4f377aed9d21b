import { describe, expect, test } from 'vitest';
import { FieldError } from '../errors';
import {
	excludesAddress,
	MAX_EXCLUDED_ADDRESSES,
	parseExcludedAddresses
} from './excluded-addresses';

describe('parseExcludedAddresses', () => {
	test('reads addresses and ranges apart by spaces, commas or lines, each once', () => {
		expect(
			parseExcludedAddresses(
				' 203.0.113.7, 198.51.100.0/24\n2001:DB8::/48 203.0.113.7 ::1 10.0.0.0/08'
			)
		).toEqual(['203.0.113.7', '198.51.100.0/24', '2001:db8::/48', '::1', '10.0.0.0/8']);
		expect(parseExcludedAddresses('   ')).toEqual([]);
	});

	test.each([
		'example.com',
		'203.0.113.300',
		'203.0.113.0/33',
		'2001:db8::/129',
		'203.0.113.0/24/1',
		'203.0.113.0/',
		'203.0.113.0/-1',
		'203.0.113.0/1e1'
	])('refuses %s with a 400 naming the field', (entry) => {
		const error = (() => {
			try {
				parseExcludedAddresses(`203.0.113.7 ${entry}`);
			} catch (e) {
				return e;
			}
		})() as FieldError;
		expect([error.status, error.field]).toEqual([400, 'excludedAddresses']);
		expect(error.message).toContain(JSON.stringify(entry));
	});

	test(`refuses more than ${MAX_EXCLUDED_ADDRESSES} entries`, () => {
		const many = Array.from({ length: MAX_EXCLUDED_ADDRESSES + 1 }, (_, i) => `10.0.0.${i}`);
		expect(() => parseExcludedAddresses(many.join(' '))).toThrow(/at most 50/);
	});
});

describe('excludesAddress', () => {
	const entries = parseExcludedAddresses('203.0.113.7 198.51.100.0/24 2001:db8::/48');
	test.each([
		['203.0.113.7', true],
		['203.0.113.8', false],
		['198.51.100.255', true],
		['::ffff:198.51.100.1', true],
		['2001:db8:0:ffff::1', true],
		['2001:db9::1', false],
		['not an address', false]
	])('%s is excluded: %s', (address, excluded) => {
		expect(excludesAddress(entries, address)).toBe(excluded);
	});

	test('no list, or an entry edited by hand into nonsense, excludes nothing', () => {
		expect(excludesAddress(undefined, '203.0.113.7')).toBe(false);
		expect(excludesAddress(['nonsense', '203.0.113.0/99'], '203.0.113.7')).toBe(false);
	});
});
