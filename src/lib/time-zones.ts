/**
 * The time zones a picker offers: every zone `Intl.supportedValuesOf('timeZone')` lists,
 * under today's names, plus UTC, grouped by region and labelled with their offset now.
 * Computed on the server and sent with the page, so the form works without JavaScript
 * and the browser hydrates the same list it was sent.
 */
import { formatOffset, offsetAt } from './stats/time-zone';

/** One choice: the IANA name and `Asia/Kolkata (UTC+05:30)`. */
export interface ZoneOption {
	id: string;
	label: string;
}

/** The zones of one region (`Asia`, `America`, …), sorted by name. */
export interface ZoneGroup {
	region: string;
	zones: ZoneOption[];
}

/**
 * Names the zone database has renamed; ICU still lists some under the old one
 * (Node 20 lists Asia/Calcutta, not Asia/Kolkata). Both names work everywhere. A `Map`:
 * a browser's zone is looked up in it, and `constructor` is no zone's old name.
 */
const RENAMED = new Map<string, string>(
	Object.entries({
		'Africa/Asmera': 'Africa/Asmara',
		'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
		'America/Catamarca': 'America/Argentina/Catamarca',
		'America/Coral_Harbour': 'America/Atikokan',
		'America/Cordoba': 'America/Argentina/Cordoba',
		'America/Godthab': 'America/Nuuk',
		'America/Indianapolis': 'America/Indiana/Indianapolis',
		'America/Jujuy': 'America/Argentina/Jujuy',
		'America/Louisville': 'America/Kentucky/Louisville',
		'America/Mendoza': 'America/Argentina/Mendoza',
		'Asia/Calcutta': 'Asia/Kolkata',
		'Asia/Katmandu': 'Asia/Kathmandu',
		'Asia/Rangoon': 'Asia/Yangon',
		'Asia/Saigon': 'Asia/Ho_Chi_Minh',
		'Atlantic/Faeroe': 'Atlantic/Faroe',
		'Europe/Kiev': 'Europe/Kyiv',
		'Pacific/Enderbury': 'Pacific/Kanton',
		'Pacific/Ponape': 'Pacific/Pohnpei',
		'Pacific/Truk': 'Pacific/Chuuk'
	})
);

/** Whether Intl knows a zone name. */
function known(tz: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone: tz });
		return true;
	} catch {
		return false;
	}
}

/** `Asia/Kolkata (UTC+05:30)`, the offset at `now`. */
export function zoneLabel(tz: string, now: number): string {
	const offset = offsetAt(now, tz);
	return `${tz} (UTC${offset ? formatOffset(offset) : ''})`;
}

/** A UTC quarter hour, in ms. */
const QUARTER_MS = 900_000;

/** The last list made, and the UTC quarter hour it holds for. */
let made: { quarter: number; groups: ZoneGroup[] } | undefined;

/**
 * Every time zone, grouped by region in alphabetical order (UTC first), each labelled
 * with its offset at `now`. Shared by every caller within a UTC quarter hour (do not
 * change it): every zone's offset, and so the instant it changes, falls on a UTC quarter
 * hour (a local whole or half hour at an offset of whole quarter hours), so the labels
 * at the quarter's start are those at `now`. Making the list formats some 400 offsets
 * through Intl, about 10 ms, which every page under /sites and every share page paid.
 */
export function timeZoneGroups(now: number): ZoneGroup[] {
	const quarter = Math.floor(now / QUARTER_MS);
	if (made?.quarter === quarter) return made.groups;
	const at = quarter * QUARTER_MS;
	const names = new Set(['UTC']);
	for (const tz of Intl.supportedValuesOf('timeZone')) {
		const renamed = RENAMED.get(tz);
		names.add(renamed && known(renamed) ? renamed : tz);
	}
	const groups = new Map<string, ZoneOption[]>();
	for (const id of [...names].sort()) {
		const region = id.includes('/') ? id.slice(0, id.indexOf('/')) : 'UTC';
		if (!groups.has(region)) groups.set(region, []);
		groups.get(region)!.push({ id, label: zoneLabel(id, at) });
	}
	const list = [...groups]
		.sort(([a], [b]) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)))
		.map(([region, zones]) => ({ region, zones }));
	made = { quarter, groups: list };
	return list;
}

/**
 * The zone of `groups` that is `zone` (a browser's `Intl…timeZone`), under either of its
 * names: browsers answer some zones under the old one (Chromium says Asia/Calcutta) and
 * the list may hold either. Null when the list has no such zone.
 */
export function offeredZone(zone: string, groups: ZoneGroup[]): string | null {
	const current = (tz: string) => RENAMED.get(tz) ?? tz;
	for (const group of groups) {
		const found = group.zones.find((z) => current(z.id) === current(zone));
		if (found) return found.id;
	}
	return null;
}
