/**
 * "All time" (`range=all`), one rule for every read that offers it (the Stats, journeys,
 * paths, Sessions and Funnels APIs, their pages and exports): from the local day of the
 * site's first record to today, or from the first later day the zone's offset can be
 * read (periods.ts `fromFirstReadableDay`, whose `note` says so); only today for a site
 * with no record yet. The Sessions and Funnels APIs once read ten years back instead (an
 * outside probe: "sessions started from 2016-11-29" beside the dashboard's 2024-02-28).
 */
import { fromFirstReadableDay, type DateRange } from '../../stats/periods';
import { localDate } from '../../stats/time-zone';
import type { ViewReader } from './view-reader';

/**
 * The earliest counted record of a site, ISO 8601, or null: the first group of the
 * site's keys. A `reduce=false` read of the first row answers the same key but also an
 * `offset`, which the embedded store computes from the view's fences (and builds them
 * for): during an import that was the dashboard's slowest read (95th percentile 1.5–1.9 s
 * against at most 0.6 s for the other views, `npm run bench:import`, 20k lines).
 */
export async function readFirstRecord(reader: ViewReader, site: string): Promise<string | null> {
	const rows = await reader.read<number>('since', {
		startkey: [site],
		endkey: [site, {}],
		group: true,
		limit: 1
	});
	const ts = rows[0]?.key[1];
	return typeof ts === 'number' ? new Date(ts).toISOString() : null;
}

/**
 * All time up to `range.to`, for a site whose first record is `first` (ISO 8601, or null
 * when it has none): `range.from` is not read.
 */
export function allTime(first: string | null, range: DateRange): DateRange {
	// A site with no record yet has tracked for no day before the last.
	if (!first) return { ...range, from: range.to };
	// A browser clock slightly ahead may date the first record after the range's end.
	const from = localDate(Date.parse(first), range.tz);
	return fromFirstReadableDay({ ...range, from: from < range.to ? from : range.to });
}

/** {@link allTime} of a site, its first record read through `reader`. */
export async function readAllTime(
	reader: ViewReader,
	site: string,
	range: DateRange
): Promise<DateRange> {
	return allTime(await readFirstRecord(reader, site), range);
}
