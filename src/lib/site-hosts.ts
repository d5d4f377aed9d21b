/**
 * Whether a host is one of a site's own: one rule, which the ingest's origin check
 * (`originAllowed` in src/lib/server/accounts/sites.ts), the ingest's own-host sources
 * (`ownSource`) and the tracker (a referrer or a link to one of the site's hosts is no
 * source and no outbound link) all read. Browser-safe: the tracker's core loads it.
 */
import { HOST_PATTERN } from './records.ts';

/**
 * A host name entry's parts: `!` (an exclusion), `*.`, the host (a name, or an IPv6
 * address in brackets), `:port`.
 */
const ENTRY_PARTS = /^(!)?(\*\.)?(\[[^\]]*\]|[^:[\]!]+)(?::(\d+))?$/u;

/** The parts of a host name entry, or undefined when it has none of that shape. */
export function hostEntryParts(
	entry: string
): { exclude: boolean; wildcard: boolean; host: string; port?: string } | undefined {
	const parts = ENTRY_PARTS.exec(entry);
	return parts
		? { exclude: !!parts[1], wildcard: !!parts[2], host: parts[3], port: parts[4] }
		: undefined;
}

/**
 * Whether a site's host name entries take `hostname` (as a URL writes it: lowercase,
 * punycode, an IPv6 address in brackets). An entry `example.com` takes that host
 * exactly; `*.example.com` its subdomains (not `example.com` itself). An entry's port
 * must be `port` when both name one; `port` undefined (a referrer's host, whose port a
 * source no longer has, or a record's) takes any, and no exclusion of one port keeps it
 * out. An entry with `!` (`!staging.example.com`, `!*.dev.example.com`) matches the same
 * way and keeps what it matches out, whatever the other entries take and in any order:
 * staging inside `*.example.com`.
 */
export function hostListed(hostnames: readonly string[], hostname: string, port?: string): boolean {
	const taking = matching(hostnames, hostname, port);
	return taking.some((parts) => !parts.exclude) && !taking.some((parts) => parts.exclude);
}

/** Whether an exclusion (`!`) among a site's entries keeps `hostname` out ({@link hostListed}). */
export function hostExcluded(
	hostnames: readonly string[],
	hostname: string,
	port?: string
): boolean {
	return matching(hostnames, hostname, port).some((parts) => parts.exclude);
}

/** The parts of the entries that match `hostname` and `port` ({@link hostListed}). */
function matching(hostnames: readonly string[], hostname: string, port?: string) {
	return hostnames.flatMap((entry) => {
		const parts = hostEntryParts(entry);
		if (!parts) return [];
		// A port unknown (a record's host, a referrer's): an exclusion of one port keeps the
		// host in; the origin's check, which has the port, keeps that port out.
		if (port ? parts.port && +parts.port != +port : parts.exclude && parts.port) return [];
		const host = parts.wildcard ? hostname.endsWith('.' + parts.host) : hostname == parts.host;
		return host ? [parts] : [];
	});
}

/**
 * Whether a session's source (`src`, `sourceName` of its referrer's host: lowercase,
 * without `www.`) names one of the site's own hosts, the `www.` one included: a session
 * that began from one of them came from the site itself, no source (`(direct)`), as
 * Plausible ignores referrals from the site's own domain. A host an entry with `!` keeps
 * out is none of them, its `www.` name neither.
 */
export function ownSource(hostnames: readonly string[], src: string): boolean {
	return (
		src != '(direct)' &&
		!hostExcluded(hostnames, src) &&
		(hostListed(hostnames, src) || hostListed(hostnames, 'www.' + src))
	);
}

/** `src`, or `(direct)` when it names one of the site's own hosts ({@link ownSource}). */
export function siteSource(hostnames: readonly string[], src: string): string {
	return ownSource(hostnames, src) ? '(direct)' : src;
}

/**
 * The host a record keeps of a page (`BaseRecord.host`, `HOST_PATTERN` in records.ts):
 * a URL's `hostname`, as the tracker takes `location.hostname`, so lowercase, punycode and
 * without a port. `text` is a URL (`https://Shop.Example.com:8443/cart`) or a host
 * (`Shop.Example.com`, as an import file's `hostname` column gives it); undefined when it
 * names no host a page could have.
 */
export function pageHost(text: string): string | undefined {
	try {
		const host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`).hostname;
		return host.length <= 253 && HOST_PATTERN.test(host) ? host : undefined;
	} catch {
		return undefined;
	}
}
