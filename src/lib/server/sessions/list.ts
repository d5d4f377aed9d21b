/**
 * What a session list is of, and its page: the range's sessions under the dashboard's
 * filter (read-sessions.ts), or a funnel step's sessions (`funnel=&step=&dropped=`,
 * funnels/read-funnel-sessions.ts). The Sessions API and the session list's page ask
 * and read it alike.
 */
import type { Couch } from '../couch';
import type { SiteRecord } from '../accounts/sites';
import type { Filter } from '../../stats/filters';
import type { Funnel, FunnelChoice } from '../../stats/funnels';
import type { DateRange } from '../../stats/periods';
import type { SessionListResponse } from '../../stats/sessions';
import { parseFunnelChoice } from '../funnels/choice';
import type { FunnelWalkOptions } from '../funnels/funnel-walk';
import { readFunnelSessions } from '../funnels/read-funnel-sessions';
import { parseFilter } from '../stats/params';
import { readSessionList } from './read-sessions';

/** What a session list is of: a funnel step's sessions, or the range's under a filter. */
export interface ListChoice {
	chosen: { funnel: Funnel; choice: FunnelChoice } | null;
	filter: Filter | null;
}

/**
 * What `params` ask a session list for.
 * @param shared Whether a share link asks: it lists no funnel's sessions.
 * @throws {CouchstatsError} for a bad funnel step or filter ({@link parseFunnelChoice}).
 */
export function parseListChoice(
	params: URLSearchParams,
	site: Pick<SiteRecord, 'id' | 'funnels'>,
	shared: boolean
): ListChoice {
	const chosen = parseFunnelChoice(params, site, shared);
	return { chosen, filter: chosen ? null : parseFilter(params) };
}

/** A page of the list `choice` names. */
export function readListPage(
	couch: Couch,
	query: ListChoice & {
		site: string;
		range: DateRange;
		limit: number;
		cursor: string | null;
		fromFirstRecord?: boolean;
	},
	options: FunnelWalkOptions = {}
): Promise<SessionListResponse> {
	const { chosen, filter, ...read } = query;
	return chosen
		? readFunnelSessions(
				couch,
				{ ...read, funnel: chosen.funnel, selection: chosen.choice },
				options
			)
		: readSessionList(couch, { ...read, filter }, { timeoutMs: options.timeoutMs });
}
