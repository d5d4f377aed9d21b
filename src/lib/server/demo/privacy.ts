/**
 * The demo site's privacy page says how long its records are kept as the app applies it:
 * the page's Markdown (content/pages/privacy.md) holds {@link RETENTION_MARK} where
 * the sentence goes, made from the demo site's period (its own or the install's,
 * import/retention-period.ts) as the page is served.
 */
import { couch } from '../couch';
import { DEMO_SITE } from '../accounts/sites';
import { findSite } from '../accounts/site-admin';
import { logError } from '../log';
import { periodWords, retentionPeriod } from '../import/retention-period';
import { installRetention } from '../import/retention-schedule';

/** Where the page's Markdown wants the retention sentence (an HTML comment, which marked keeps). */
export const RETENTION_MARK = '<!-- retention -->';

/**
 * The sentence for a period of `days` (undefined: none); null when the period is not
 * known (the store did not answer): the page then says nothing of it rather than
 * something untrue.
 */
export function retentionSentence(days: number | undefined | null): string {
	if (days === null) return '';
	if (days === undefined) {
		return 'Records are kept until this site’s operator deletes them: no retention period is set.';
	}
	return `Records are deleted once they are ${periodWords(days)} old: couchstats checks as it starts and then every day.`;
}

/** The page's HTML with the sentence in place of {@link RETENTION_MARK}. */
export function withRetention(html: string, days: number | undefined | null): string {
	return html.replace(RETENTION_MARK, retentionSentence(days));
}

/** The demo site's period in days (undefined: none), or null when it cannot be read. */
export async function demoRetention(): Promise<number | undefined | null> {
	try {
		const site = await findSite(couch(), DEMO_SITE);
		return retentionPeriod(site ?? {}, installRetention());
	} catch (e) {
		logError('the demo site could not be read', e);
		return null;
	}
}
