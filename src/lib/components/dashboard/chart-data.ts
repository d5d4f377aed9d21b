/**
 * The chart's series from a range's points: a period that has not begun yet (the rest
 * of today, this month's later days) has no value rather than 0, so the lines stop at
 * the current period instead of falling to zero across the future.
 */
import type uPlot from 'uplot';
import type { TimeseriesPoint } from '$lib/stats/response';

/**
 * uPlot's aligned data: start times in seconds, then visitors, then pageviews unless
 * `withPageviews` is false; null where a period starts after `now` (ms).
 */
export function chartData(
	points: TimeseriesPoint[],
	withPageviews: boolean,
	now: number
): uPlot.AlignedData {
	const starts = points.map((p) => Date.parse(p.start));
	const upTo = <T>(value: (p: TimeseriesPoint) => T) =>
		points.map((p, i) => (starts[i] > now ? null : value(p)));
	return [
		starts.map((ms) => ms / 1000),
		upTo((p) => p.visitors),
		...(withPageviews ? [upTo((p) => p.pageviews)] : [])
	] as uPlot.AlignedData;
}
