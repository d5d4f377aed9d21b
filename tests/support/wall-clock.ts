/**
 * For a test whose records must be the wall clock's now, because what it reads is
 * today's or this hour's (a site's visitors today by hour), and which therefore cannot
 * fix the clock: the next UTC hour, each day's midnight among them, must not begin
 * between its writes and its reads.
 */

const HOUR = 3_600_000;

/**
 * Waits, when the next UTC hour begins within `margin` ms, until it has begun; the time
 * then. Records written at that time and read within `margin` are read in the hour, and
 * on the day, they were written in.
 * @param margin How long the test writes and reads for, at most (ms); under an hour.
 */
export async function clearOfHourEdge(margin: number): Promise<number> {
	const edge = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
	if (edge - Date.now() >= margin) return Date.now();
	while (Date.now() < edge) {
		await new Promise((resolve) => setTimeout(resolve, edge - Date.now()));
	}
	return Date.now();
}
