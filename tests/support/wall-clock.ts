/**
 * For a test whose records must be the wall clock's now, because what it reads is
 * today's or this hour's (a site's visitors today by hour, a dashboard of today), and
 * which therefore cannot fix the clock: the next UTC hour, or the next UTC day, must not
 * begin between its writes and its reads.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Waits, when the next UTC hour begins within `margin` ms, until it has begun; the time
 * then. Records written at that time and read within `margin` are read in the hour, and
 * on the day, they were written in.
 * @param margin How long the test writes and reads for, at most (ms); under an hour.
 */
export function clearOfHourEdge(margin: number): Promise<number> {
	return clearOfEdge(HOUR, margin);
}

/**
 * Waits, when the next UTC day begins within `margin` ms, until it has begun; the time
 * then. Records written at that time and read within `margin` are read on the day they
 * were written on (in UTC, the zone of the demo site and of the tests' sites).
 * @param margin How long the test writes and reads for, at most (ms); under a day.
 */
export function clearOfMidnight(margin: number): Promise<number> {
	return clearOfEdge(DAY, margin);
}

/** Waits, when the next multiple of `every` ms begins within `margin` ms, until it has. */
async function clearOfEdge(every: number, margin: number): Promise<number> {
	const edge = Math.floor(Date.now() / every) * every + every;
	if (edge - Date.now() >= margin) return Date.now();
	while (Date.now() < edge) {
		await new Promise((resolve) => setTimeout(resolve, edge - Date.now()));
	}
	return Date.now();
}
