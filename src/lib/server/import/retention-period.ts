/**
 * Retention periods, as the command line (`--older-than`), the install
 * (`COUCHSTATS_RETENTION`) and a site's settings write them: `400d`, `52w` or `2y`; and
 * which one a site's records are kept for. Pure: no I/O.
 */

/** The form of a retention age: `400d`, `52w` or `2y`. */
const AGE = /^(\d+)([dwy])$/;

/** The longest period a site or the install may set, in days: 100 years of 365 days. */
export const RETENTION_MAX_DAYS = 36_500;

/**
 * The days of a retention age.
 * @param text The age: `400d`, `52w` or `2y` (a year is 365 days).
 * @returns the days, or why the age is refused, to follow the setting's name: not such an
 *   age, or 0, which would delete every record.
 */
export function retentionDays(text: string): number | { refused: string } {
	const match = AGE.exec(text.trim());
	if (!match) {
		return {
			refused: `must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "${text}")`
		};
	}
	const days = Number(match[1]) * { d: 1, w: 7, y: 365 }[match[2] as 'd' | 'w' | 'y'];
	if (days === 0) return { refused: `must be at least 1 day, week or year (got "${text}")` };
	return days;
}

/**
 * A period a site or the install keeps records for, as a setting takes it: the text as
 * written (lower case, trimmed), and its days.
 */
export interface RetentionSetting {
	text: string;
	days: number;
}

/**
 * Reads a retention setting.
 * @returns the setting; undefined for an empty text (records are kept until deleted);
 *   or why it is refused ({@link retentionDays}, or more than {@link RETENTION_MAX_DAYS}).
 */
export function retentionSetting(text: string): RetentionSetting | undefined | { refused: string } {
	const trimmed = text.trim().toLowerCase();
	if (!trimmed) return undefined;
	const days = retentionDays(trimmed);
	if (typeof days !== 'number') return days;
	if (days > RETENTION_MAX_DAYS) {
		return { refused: `must be at most 100 years, ${RETENTION_MAX_DAYS} days (got "${text}")` };
	}
	return { text: trimmed, days };
}

/**
 * How many days a site's records are kept: the shorter of the site's own period and the
 * install's (`COUCHSTATS_RETENTION` is the longest any site keeps them; a site may set a
 * shorter one), or undefined when neither sets one (kept until someone deletes them).
 * A site's stored period that no longer reads as one counts as none of its own.
 */
export function retentionPeriod(
	site: { retention?: string },
	install: RetentionSetting | undefined
): number | undefined {
	const own = site.retention === undefined ? undefined : retentionSetting(site.retention);
	const days = [own, install].flatMap((s) => (s && 'days' in s ? [s.days] : []));
	return days.length ? Math.min(...days) : undefined;
}

/** The cutoff of a period of `days` at `now`, ms: records with an event time before it go. */
export function periodCutoff(days: number, now: number): number {
	return now - days * 86_400_000;
}

/** A period in words: `400 days`, `1 day`. */
export function periodWords(days: number): string {
	return `${days} day${days === 1 ? '' : 's'}`;
}
