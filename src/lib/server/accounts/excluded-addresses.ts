/**
 * The client addresses whose records a site's ingest drops: its owners' own (an office,
 * a home connection), as GA4's internal traffic and Plausible's IP block list leave them
 * out. Written as addresses or CIDR ranges; the ingest checks the request's address
 * against them and drops the records without a word (the answer is the one a stored
 * record gets, so the browser does not send them again); the address is never stored or
 * logged.
 */
import { BlockList, isIP } from 'node:net';
import { FieldError } from '../errors';

/** Entries one site may list. */
export const MAX_EXCLUDED_ADDRESSES = 50;

/** The form field the entries are typed in. */
const FIELD = 'excludedAddresses';

/**
 * Reads a form's entries, apart by spaces, commas or lines: addresses (`203.0.113.7`,
 * `2001:db8::1`) and ranges (`203.0.113.0/24`, `2001:db8::/48`), each kept once, as
 * Node's `net` writes an address.
 * @throws {FieldError} 400 naming the first entry that is neither, or more than
 *   {@link MAX_EXCLUDED_ADDRESSES}.
 */
export function parseExcludedAddresses(text: string): string[] {
	const entries = new Set<string>();
	for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
		const [address, prefix, extra] = entry.split('/');
		const family = isIP(address);
		const bits = family == 6 ? 128 : 32;
		if (
			!family ||
			extra !== undefined ||
			(prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))
		) {
			throw new FieldError(
				400,
				`${FIELD} must list IP addresses or CIDR ranges (203.0.113.7, 203.0.113.0/24, 2001:db8::/48), not ${JSON.stringify(entry.slice(0, 60))}`,
				FIELD
			);
		}
		entries.add(
			prefix === undefined ? address.toLowerCase() : `${address.toLowerCase()}/${Number(prefix)}`
		);
	}
	if (entries.size > MAX_EXCLUDED_ADDRESSES) {
		throw new FieldError(
			400,
			`${FIELD} lists ${entries.size} entries; a site has at most ${MAX_EXCLUDED_ADDRESSES}: write a range for many addresses`,
			FIELD
		);
	}
	return [...entries];
}

/** One rule set per list, built once (a list is replaced, never changed, when the site is). */
const built = new WeakMap<readonly string[], BlockList>();

/**
 * Whether `address` (a request's client address, IPv4, IPv6 or IPv4-mapped IPv6) is
 * one of `entries` ({@link parseExcludedAddresses}); an entry that is neither is skipped.
 */
export function excludesAddress(entries: readonly string[] | undefined, address: string): boolean {
	if (!entries?.length || !isIP(address)) return false;
	return rulesOf(entries).check(address, familyOf(address));
}

/** An address's family as `BlockList` names it. */
function familyOf(address: string): 'ipv4' | 'ipv6' {
	return isIP(address) == 6 ? 'ipv6' : 'ipv4';
}

/** The rule set of `entries`, built on first use ({@link built}). */
function rulesOf(entries: readonly string[]): BlockList {
	let rules = built.get(entries);
	if (rules) return rules;
	rules = new BlockList();
	for (const entry of entries) {
		const [net, prefix] = entry.split('/');
		try {
			if (prefix === undefined) rules.addAddress(net, familyOf(net));
			else rules.addSubnet(net, Number(prefix), familyOf(net));
		} catch {
			// Not an address (a site record edited by hand): it excludes nothing.
		}
	}
	built.set(entries, rules);
	return rules;
}
