/**
 * Enrichment at the server's edge: what the ingest adds to a record before storing
 * it, and what it deliberately throws away. The raw user agent is reduced to
 * families and never stored; the country comes from the browser's time zone, never
 * from the IP address (which is not stored anywhere).
 */
import { getCountryForTimezone } from 'countries-and-timezones';
import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';
import type { DeviceType, Enrichment, StoredRecord } from '$lib/records';
import type { ValidRecord } from './schema';

/** A user agent reduced to what the dashboard shows. */
export interface AgentFamilies {
	browser?: string;
	os?: string;
	device?: DeviceType;
	bot: boolean;
}

/**
 * Markers of automated browsers that `isbot` may not list: headless builds, test
 * drivers and page-speed tools. Any of them marks the request as a bot.
 */
const HEADLESS =
	/headless|phantomjs|slimerjs|electron\/|puppeteer|playwright|selenium|webdriver|lighthouse|pagespeed/i;

/** Longest family name kept; ua-parser-js names are short, this bounds surprises. */
const FAMILY_MAX = 40;

/**
 * Reduces a user agent to browser, OS and device type families and a bot flag.
 * A missing or empty user agent counts as a bot: every browser sends one.
 * @param userAgent The raw `User-Agent` header, or null.
 */
export function describeAgent(userAgent: string | null): AgentFamilies {
	const ua = (userAgent ?? '').slice(0, 1024);
	if (ua.trim() === '') return { bot: true };
	const parsed = UAParser(ua);
	return {
		...(parsed.browser.name && { browser: parsed.browser.name.slice(0, FAMILY_MAX) }),
		...(parsed.os.name && { os: parsed.os.name.slice(0, FAMILY_MAX) }),
		device: deviceType(parsed.device.type),
		bot: isbot(ua) || HEADLESS.test(ua)
	};
}

/** ua-parser-js leaves the device type unset for desktop browsers. */
function deviceType(type: string | undefined): DeviceType {
	if (type === undefined) return 'desktop';
	if (type === 'mobile' || type === 'tablet') return type;
	return 'other';
}

/**
 * The ISO 3166-1 alpha-2 country a time zone belongs to (its main country when
 * several share it), or undefined for zones of no country such as `UTC`.
 */
export function countryForTimeZone(tz: string | undefined): string | undefined {
	if (!tz) return undefined;
	return getCountryForTimezone(tz)?.id ?? undefined;
}

/**
 * The record as stored: the validated record plus `receivedAt`, the agent's
 * families, the country for a pageview's time zone and `bot: true` for bots.
 * @param record A record that passed `checkRecord`.
 * @param agent The request's reduced user agent.
 * @param receivedAt Server time the request arrived, ms since the epoch.
 */
export function enrich(
	record: ValidRecord,
	agent: AgentFamilies,
	receivedAt: number
): StoredRecord {
	const added: Enrichment = { receivedAt };
	if (agent.browser) added.browser = agent.browser;
	if (agent.os) added.os = agent.os;
	if (agent.device) added.device = agent.device;
	const country = record.type === 'pageview' ? countryForTimeZone(record.tz) : undefined;
	if (country) added.country = country;
	if (agent.bot) added.bot = true;
	return { ...record, ...added };
}
