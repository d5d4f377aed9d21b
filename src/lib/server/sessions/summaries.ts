/**
 * Session summaries by id, for the session list, a timeline and live visitors: its own
 * module so the read model (src/lib/server/stats/read-stats.ts) and the session reads,
 * which take their total from it, import it without importing each other.
 */
import type { ViewReader } from '../stats/view-reader';
import { sessionSummary, type SessionSummary, type SummaryRow } from '../../stats/sessions';

/** The summaries of `sids` (null for a session with no counted record), in parallel. */
export function readSummaries(
	reader: ViewReader,
	site: string,
	sids: string[]
): Promise<(SessionSummary | null)[]> {
	return Promise.all(
		sids.map(async (sid) => {
			const rows = await reader.read<SummaryRow['value']>('session-summary', {
				startkey: [site, sid],
				endkey: [site, sid, {}],
				group_level: 4
			});
			return sessionSummary(sid, rows);
		})
	);
}
