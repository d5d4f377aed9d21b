/**
 * Site records: what a site is (id, name, allowed hostnames, time zone) and who owns
 * it. Stored in the sites database with `_id` = `site:<id>`.
 */
import { isIPv6 } from 'node:net';
import { domainToUnicode } from 'node:url';
import { asciiHost } from '../../host-names';
import * as v from 'valibot';
import type { Goal } from '../../stats/goals';
import type { Funnel } from '../../stats/funnels';
import { HOSTNAME_SOURCE, SITE_ID_HINT, SITE_ID_SOURCE } from '../../site-patterns';
import { hostEntryParts, hostExcluded, hostListed } from '../../site-hosts';
import { nameFault } from '../../text';
import { timeZoneGroups } from '../../time-zones';
import { CouchstatsError } from '../errors';

/** A site id: 2–32 lowercase letters, digits or `-`, as it appears in URLs and snippets. */
export const SITE_ID_PATTERN = new RegExp(`^${SITE_ID_SOURCE}$`, 'u');

/**
 * Zones found valid, by the name given, with their name ({@link timeZoneName}) and the
 * zone Intl takes it for, at most {@link ZONES_KEPT}: a check makes an
 * `Intl.DateTimeFormat` (about 0.3 ms, three per dashboard read), and a zone stays valid
 * while the process runs. Bounded because zone names are case-insensitive, so a caller
 * could name one many ways.
 */
const knownZones = new Map<string, KnownZone>();
const ZONES_KEPT = 2_000;

/** A zone by its name ({@link timeZoneName}) and by Intl's (`US/Pacific`: America/Los_Angeles). */
interface KnownZone {
	name: string;
	resolved: string;
}

/** The zones the picker lists (src/lib/time-zones.ts), by their name in lower case. */
let listedZones: Map<string, string> | undefined;

/**
 * The name of the IANA time zone `tz`, written as the zone database writes it
 * (`europe/berlin` and `EUROPE/BERLIN` are `Europe/Berlin`, `utc` is `UTC`), or null
 * when this runtime knows no such zone. A zone Intl names otherwise (an alias such as
 * `Asia/Calcutta` or `US/Pacific`; Node 20 names Asia/Kolkata `Asia/Calcutta`) keeps
 * its own name, as the picker writes it when it lists it: an outside probe read "seen in
 * Europe/berlin" beside a site in Europe/Berlin. Whether two names are one zone:
 * {@link rangeZoneName}.
 */
export function timeZoneName(tz: string): string | null {
	return knownZone(tz)?.name ?? null;
}

/**
 * The zone a page or the API reads a range in when asked for `tz` on a site in
 * `siteZone`: the site's zone, by the site's name, when `tz` is that zone under any name
 * (`US/Pacific` on an America/Los_Angeles site, `Etc/UTC` or `GMT` on a UTC one: Intl
 * takes them for one zone, whose days are the site's); else {@link timeZoneName}. The one
 * place two zones are compared: a range is in its site's zone exactly when it names it,
 * which the dashboard's note on visitors' days reads (an outside review: a site in
 * America/Los_Angeles read in US/Pacific was told that its visitors may count on two days).
 */
export function rangeZoneName(tz: string, siteZone: string): string | null {
	const asked = knownZone(tz);
	if (!asked) return null;
	return asked.resolved === knownZone(siteZone)?.resolved ? siteZone : asked.name;
}

function knownZone(tz: string): KnownZone | null {
	const known = knownZones.get(tz);
	if (known) return known;
	let resolved: string;
	try {
		resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
	} catch {
		return null;
	}
	const lower = tz.toLowerCase();
	const name = resolved.toLowerCase() === lower ? resolved : (listedZone(lower) ?? tz);
	const zone = { name, resolved };
	if (knownZones.size < ZONES_KEPT) knownZones.set(tz, zone);
	return zone;
}

/** The picker's name of a zone named `lower` in lower case, or undefined when it lists none. */
function listedZone(lower: string): string | undefined {
	// Its names do not depend on the time the list is made at, only its labels.
	listedZones ??= new Map(
		timeZoneGroups(Date.now()).flatMap((g) => g.zones.map((z) => [z.id.toLowerCase(), z.id]))
	);
	return listedZones.get(lower);
}

/** Whether `tz` is an IANA time zone this runtime knows ({@link timeZoneName}). */
export function isTimeZone(tz: string): boolean {
	return timeZoneName(tz) !== null;
}

/** A per-site API token for the Stats API; only its SHA-256 hash is stored. */
export interface SiteToken {
	/** Short public id shown in the UI, e.g. `tok_3f9a`. */
	id: string;
	label: string;
	/** Hex SHA-256 of the secret token. */
	hash: string;
	createdAt: number;
	/**
	 * Whether it may also download the site's raw records (`GET /api/v1/records`), whose
	 * visitor ids read and erase those visitors' records at the visitor endpoint. Absent:
	 * it may not (tokens made before 2026-12-05 included: an outside review found that
	 * every token, meant to read stats, could erase visitors' data).
	 */
	records?: true;
	/**
	 * The account that made it: removing that owner revokes it. Absent on tokens made
	 * before 2026-12-05, which only an owner's Revoke ends.
	 */
	by?: string;
}

/**
 * A host as browsers write it in a page's `Origin` (and `location.host`): an IPv6 address
 * as the URL parser writes it, compressed (`[2001:db8:0:0::1]` is `[2001:db8::1]`), a
 * name in another script in punycode (`bücher.example` is `xn--bcher-kva.example`), any
 * other name as it is (the pattern judges it).
 * @param host Lowercase.
 * @returns undefined when no URL can have it.
 */
function browserHost(host: string): string | undefined {
	if (host.startsWith('[')) {
		// Hex digits, colons and dots only: the parser reads them as an address or throws.
		if (!/^\[[0-9a-f:.]+\]$/u.test(host)) return undefined;
		try {
			return new URL(`http://${host}/`).hostname;
		} catch {
			return undefined;
		}
	}
	return asciiHost(host);
}

/**
 * A host name entry as a person reads it, when it differs from the stored one: a name
 * in punycode in its own script (`*.xn--caf-dma.example:8080`: `*.café.example:8080`),
 * for the owner's pages to show beside it; undefined for any other entry.
 */
export function unicodeHostEntry(entry: string): string | undefined {
	const parts = hostEntryParts(entry);
	if (!parts || !/(^|\.)xn--/u.test(parts.host)) return undefined;
	const unicode = domainToUnicode(parts.host);
	if (!unicode || unicode === parts.host) return undefined;
	return hostEntryText({ ...parts, host: unicode });
}

/** A host name entry written from its parts: {@link hostEntryParts} the other way. */
function hostEntryText({
	exclude,
	wildcard,
	host,
	port
}: NonNullable<ReturnType<typeof hostEntryParts>>): string {
	return `${exclude ? '!' : ''}${wildcard ? '*.' : ''}${host}${port === undefined ? '' : `:${port}`}`;
}

/** {@link HOSTNAME_SOURCE}, whole. */
const HOSTNAME_PATTERN = new RegExp(`^${HOSTNAME_SOURCE}$`, 'u');

/**
 * A host name entry as it is stored and matched: its host as browsers send it in
 * `Origin` ({@link browserHost}), the only form an origin is compared in, and its port as
 * a URL names it (an outside re-check saved `example.com:0443`, which no page matched).
 * @param entry Lowercase.
 * @returns undefined when it is no host name entry ({@link HOSTNAME_SOURCE}).
 */
function hostEntry(entry: string): string | undefined {
	const parts = hostEntryParts(entry);
	const host = parts && browserHost(parts.host);
	if (!parts || host === undefined) return undefined;
	const port = parts.port === undefined ? undefined : String(Number(parts.port));
	const stored = hostEntryText({ ...parts, host, port });
	return HOSTNAME_PATTERN.test(stored) ? stored : undefined;
}

/** Valibot schema for the editable fields of a site. */
export const siteInputSchema = v.object({
	id: v.pipe(v.string(), v.trim(), v.regex(SITE_ID_PATTERN, `must be ${SITE_ID_HINT}`)),
	name: v.pipe(
		v.string(),
		v.check(
			(name) => nameFault(name) === undefined,
			(issue) => nameFault(String(issue.input)) ?? ''
		),
		v.trim(),
		v.minLength(1, 'is required'),
		v.maxLength(100, 'must be at most 100 characters')
	),
	hostnames: v.pipe(
		v.array(
			v.pipe(
				v.string(),
				v.trim(),
				v.toLowerCase(),
				// An IPv6 address is a host in brackets only, as a URL writes it (an outside probe).
				v.check(
					(entry) => !isIPv6(entry),
					(issue) =>
						`must write an IPv6 address in brackets, as a URL does: [::1] or [2001:db8::1]:8080, not ${JSON.stringify(issue.input)}`
				),
				v.rawTransform(({ dataset, addIssue, NEVER }) => {
					const entry = hostEntry(dataset.value);
					if (entry !== undefined) return entry;
					addIssue({
						message: `must be host names like example.com, not ${JSON.stringify(dataset.value)}`
					});
					return NEVER;
				}),
				// One a page can be served on; the entry named, as the field holds several (an
				// outside re-check).
				v.check(
					(entry) => {
						const port = Number(hostEntryParts(entry)?.port ?? 1);
						return port >= 1 && port <= 65535;
					},
					(issue) => `must have ports from 1 to 65535, not ${JSON.stringify(issue.input)}`
				)
			)
		),
		v.maxLength(50, (issue) => `must list at most 50 host names (got ${issue.received})`),
		v.transform((entries) => [...new Set(entries)])
	),
	// Stored as the zone database writes it (`europe/berlin` is Europe/Berlin), as ranges
	// read it: a site saved under another case would be told its zone is another.
	timeZone: v.pipe(
		v.string(),
		v.check(isTimeZone, 'must be an IANA time zone like Europe/Paris'),
		v.transform((tz) => timeZoneName(tz)!)
	)
});

/** The editable fields of a site. */
export type SiteInput = v.InferOutput<typeof siteInputSchema>;

/** A site as stored. */
export interface SiteRecord extends SiteInput {
	_id: string;
	_rev?: string;
	type: 'site';
	/** Account names (CouchDB `_users` names) that own the site. */
	owners: string[];
	/** Account names an owner invited to co-own it, until they accept or decline. */
	invited?: string[];
	tokens: SiteToken[];
	/** Token of the public read-only share link, if enabled (stored hashed). */
	shareHash?: string;
	/** The account that made the share link: removing that owner turns it off. */
	shareBy?: string;
	/** Whether the share link shows sessions too (the session list and timelines); default off. */
	shareSessions?: boolean;
	createdAt: number;
	/** What counts as a conversion on the site (src/lib/server/accounts/goals.ts validates them). */
	goals?: Goal[];
	/** Ordered steps counted per session (src/lib/server/accounts/funnels.ts validates them). */
	funnels?: Funnel[];
	/** When its owner asked to delete it; its records are being deleted (site-delete.ts). */
	deleting?: number;
	/** Client addresses and CIDR ranges whose records the ingest drops (excluded-addresses.ts). */
	excludedAddresses?: string[];
	/**
	 * How long its records are kept, as its owners wrote it (`400d`, `52w`, `2y`): the app
	 * deletes older ones daily (import/retention-run.ts), unless the install's period
	 * (`COUCHSTATS_RETENTION`) is shorter. Absent: the install's, or none.
	 */
	retention?: string;
}

/**
 * The sites database's design document of views (`couchdb/sites/views/`): `share` (a
 * share link's hash → its site), `accounts` (an account → the sites it owns or is
 * invited to) and `listed` (an account's sites by id, counted: the header's switcher).
 */
export const SITES_DESIGN = 'stats';

/**
 * Document id of a site.
 * @throws {CouchstatsError} 404 for anything but a site id: nano puts a document id
 *   containing `_local` into the URL unencoded, so an id from a page's path such as
 *   `x_local/../../_users/…` reached any database of the store as its admin (an outside
 *   security probe).
 */
export function siteDocId(id: string): string {
	// Not echoed: any text in a page's path would show on the app's own origin.
	if (!SITE_ID_PATTERN.test(id)) {
		throw new CouchstatsError(404, `no site has that id (a site id is ${SITE_ID_HINT})`);
	}
	return `site:${id}`;
}

/** A new site record with no tokens. */
export function siteRecord(input: SiteInput, owners: string[], now: number): SiteRecord {
	return { ...input, _id: siteDocId(input.id), type: 'site', owners, tokens: [], createdAt: now };
}

/** The id of the demo site, the app's own pages (its blog and public `/stats`). */
export const DEMO_SITE = 'demo';

/**
 * The demo site that serves the app's own pages: every hostname the app is reached
 * on locally. Operators add their public hostname from the site settings.
 */
export function demoSite(now: number): SiteRecord {
	return siteRecord(
		{
			id: DEMO_SITE,
			name: 'couchstats demo',
			hostnames: ['localhost', '127.0.0.1'],
			timeZone: 'UTC'
		},
		[],
		now
	);
}

/** The port a URL of the scheme is on when it names none. */
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The port a page's URL is on: the one it names, else its scheme's default ({@link originAllowed}). */
export function urlPort(url: URL): string | undefined {
	return url.port || DEFAULT_PORTS[url.protocol];
}

/**
 * Whether an `Origin` header (or a page URL) belongs to a site, by `hostListed`
 * (src/lib/site-hosts.ts, which the tracker reads too): `example.com` matches exactly,
 * `*.example.com` subdomains. Ports are ignored unless the entry names one; a page on
 * its scheme's default port (which `URL` leaves out) is on that port too, so
 * `example.com:443` takes `https://example.com`.
 */
export function originAllowed(site: Pick<SiteInput, 'hostnames'>, origin: string): boolean {
	let url: URL;
	try {
		url = new URL(origin);
	} catch {
		return false;
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
	return hostListed(site.hostnames, url.hostname, urlPort(url));
}

/**
 * Why a record of `site` from a page on `host` (`BaseRecord.host`: no port) is refused,
 * or `undefined` when the site lists the host: the ingest's reason for a tracked record
 * and the importer's for a line (a host as a page of another origin is refused: each
 * site counts its own hosts only).
 */
export function hostRefusal(
	site: { id: string; hostnames: readonly string[] },
	host: string
): string | undefined {
	if (hostListed(site.hostnames, host)) return undefined;
	return hostExcluded(site.hostnames, host)
		? `site "${site.id}" keeps the host ${host} out (an entry with ! in its host names)`
		: `site "${site.id}" does not list the host ${host}: add it to its host names in the site's settings`;
}
