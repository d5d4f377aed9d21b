/**
 * The dashboard's links to the Stats API's export (README, "Stats API"): one export as
 * CSV, or every one the page's parameters read in one ZIP. `query` is the page's export
 * query (its site, range, zone, filter, comparison and share link), so that what is
 * downloaded is what the page shows.
 */

/** The export API's address. */
const EXPORT_PATH = '/api/v1/stats/export';

/** The address of one export of the page as CSV: a breakdown, the time series, the goals, …. */
export function exportHref(query: string, breakdown: string): string {
	return `${EXPORT_PATH}?${query}&breakdown=${encodeURIComponent(breakdown)}&format=csv`;
}

/** The address of the page's every export (all but the journeys and paths) in one ZIP. */
export function zipHref(query: string): string {
	return `${EXPORT_PATH}?${query}&format=zip`;
}
