/**
 * The read budget: how much of the app's time one reader may keep it reading. A reader
 * is an API token, whatever address it comes from, or a share link from one client
 * address (a share link is handed out: its viewers, each at their own address, each have
 * a budget); the app and the embedded store share one process, so one reader's dear
 * reads (an export of every page of a year, a funnel over thousands of sessions) slowed
 * every other user's (an outside probe: six parallel exports through one share link held
 * the core for 51 s of 76, others' reads took 1.2–1.8 s). Accounts, which an admin makes,
 * have none: a budget keyed by account throttled the owner's own dashboards (the
 * end-to-end suite's owner, reading live dashboards all through the run, got 429).
 *
 * Each reader has a bucket of read time ({@link READ_BUDGET}: 10 s when full, refilled
 * at half a second per second) and at most {@link READS_AT_ONCE} reads running. A read
 * is charged the time it took once it ends, its share of it when other reads ran too
 * (wall time, so a machine busy with other work charges more); a reader whose bucket
 * is empty, or who has that many reads running, is answered 429
 * with `Retry-After`. An owner's live dashboard, which re-reads after new records and
 * paces dear re-reads (components/dashboard/live.svelte.ts), spends far less; its
 * re-read refused keeps its numbers on screen and tries again.
 *
 * Share links' reads, all readers together, also take their turn: at most
 * {@link PUBLIC_READS_AT_ONCE} run at once, the next wait in line (at most
 * {@link PUBLIC_READS_WAITING}, past which they are answered 429 too), and a read waiting
 * is charged nothing. Each address's budget bounds what it alone can make the app do, but
 * share links are public, and readers at many addresses together held the store for the
 * site owners, whose dashboards have no budget and waited behind them (an outside probe).
 * Owners and API tokens, which owners make, never wait in that line.
 *
 * Reads are the stats, sessions, journeys, paths, funnels, records and export APIs and
 * the pages of a site and of a share link. The public stats page (one read at a time,
 * shared by all who ask), the live streams, the ingest and the visitor endpoint (their
 * own buckets) are not.
 */
import { TokenBuckets, type BucketSettings } from './ingest/rate-limit';
import { bearerToken } from './accounts/tokens';
import { CouchstatsError } from './errors';
import { refusal, type RefusedRequest } from './refusal';

/** A reader's read time, ms: what a full bucket holds, and what comes back per second. */
export const READ_BUDGET: BucketSettings = { burst: 10_000, perSecond: 500 };
/** Reads one reader may have running at once. */
export const READS_AT_ONCE = 4;
/** Share links' reads running at once, all readers together; the next wait their turn. */
export const PUBLIC_READS_AT_ONCE = 4;
/** Share links' reads waiting their turn at most; past them, 429. */
export const PUBLIC_READS_WAITING = 64;

/** What the budget reads of a request. */
export interface ReadRequest {
	method: string;
	routeId: string | null;
	params: Partial<Record<string, string>>;
	url: URL;
	authorization: string | null;
	/** The client's address (rate limiting's, accounts/client-address.ts), asked for a share link's read only. */
	address: () => string;
}

/**
 * The reader a request reads as (`share … from …`, `token …`), or `undefined` when it is
 * no read the budget covers: an account's, or one without a credential (which the read
 * refuses).
 */
export function readerOf(r: ReadRequest): string | undefined {
	const route = r.routeId ?? '';
	const read =
		(r.method == 'GET' || r.method == 'HEAD') &&
		((route.startsWith('/api/v1/') &&
			!route.startsWith('/api/v1/live') &&
			!route.startsWith('/api/v1/visitor')) ||
			route.startsWith('/share/[secret]') ||
			route.startsWith('/sites/[site]'));
	if (!read) return undefined;
	const share = r.params.secret ?? r.url.searchParams.get('share');
	if (share) return `share ${share} from ${r.address()}`;
	const token = bearerToken(r.authorization);
	return token ? 'token ' + token : undefined;
}

/** Whether a reader is a share link's, whose reads take their turn with all others'. */
export function isPublicReader(reader: string): boolean {
	return reader.startsWith('share ');
}

/**
 * What {@link ReadBudget.start} came to: a read, whose `turn` resolves true when it may
 * run (at once, but for a share link's read waiting in line) and false when it was ended
 * before; or a refusal.
 */
export type Started =
	{ ok: true; turn: Promise<boolean>; end: () => void } | { ok: false; retryAfterSeconds: number };

/** A read started: its reader, the time charged to it so far, and whether it waits its turn. */
interface Running {
	reader: string;
	charged: number;
	public: boolean;
	/** Lets it run (true) or drops it (false) while it waits its turn. */
	waiting?: (run: boolean) => void;
}

/** The budget of every reader, in this process. */
export class ReadBudget {
	readonly #time: TokenBuckets;
	/** Reads started and not ended, those waiting their turn included. */
	readonly #running = new Set<Running>();
	/** Share links' reads waiting their turn, first first. */
	readonly #line: Running[] = [];
	readonly #now: () => number;
	readonly #publicAtOnce: number;
	readonly #publicWaiting: number;
	/** When the reads running were last charged. */
	#at = 0;

	/**
	 * @param settings Each reader's bucket of read time; default {@link READ_BUDGET}.
	 * @param now Clock in ms; default `performance.now`.
	 * @param publicReads Share links' reads at once and waiting at most; default
	 *   {@link PUBLIC_READS_AT_ONCE}, {@link PUBLIC_READS_WAITING}.
	 */
	constructor(
		settings = READ_BUDGET,
		now: () => number = () => performance.now(),
		publicReads = { atOnce: PUBLIC_READS_AT_ONCE, waiting: PUBLIC_READS_WAITING }
	) {
		this.#now = now;
		this.#time = new TokenBuckets(settings, now);
		this.#publicAtOnce = publicReads.atOnce;
		this.#publicWaiting = publicReads.waiting;
	}

	/**
	 * Charges the time since the last charge to the reads running, shared equally: reads
	 * that run together share the process, so each is charged its share of the time, not
	 * the whole (four reads of 100 ms that took 400 ms together are charged 100 ms each).
	 * A read waiting its turn costs nothing, and is charged nothing.
	 */
	#charge(): void {
		const now = this.#now();
		const running = [...this.#running].filter((read) => !read.waiting);
		for (const read of running) read.charged += (now - this.#at) / running.length;
		this.#at = now;
	}

	/**
	 * Starts a read of `reader`, or refuses it with the seconds to wait. A share link's
	 * read ({@link isPublicReader}) runs when its `turn` resolves true. `end()` (once, when
	 * the read's answer is made, or its client left) takes the time charged to it from the
	 * reader's bucket; a read ended while it waits its turn leaves the line.
	 */
	start(reader: string): Started {
		let running = 0;
		for (const read of this.#running) if (read.reader == reader) running++;
		const waitMs = this.#time.shortfallMs(new Map([[reader, 1]]));
		const full = isPublicReader(reader) && this.#line.length >= this.#publicWaiting;
		if (running >= READS_AT_ONCE || waitMs > 0 || full) {
			return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
		}
		this.#charge();
		const read: Running = { reader, charged: 0, public: isPublicReader(reader) };
		let turn = Promise.resolve(true);
		if (read.public && this.#publicRunning() >= this.#publicAtOnce) {
			turn = new Promise((resolve) => (read.waiting = resolve));
			this.#line.push(read);
		}
		this.#running.add(read);
		return {
			ok: true,
			turn,
			end: () => {
				if (!this.#running.has(read)) return;
				this.#charge();
				this.#running.delete(read);
				if (read.waiting) {
					this.#line.splice(this.#line.indexOf(read), 1);
					read.waiting(false);
					return;
				}
				this.#time.consume(new Map([[reader, read.charged]]));
				if (read.public) this.#nextInLine();
			}
		};
	}

	/** Share links' reads running (not waiting). */
	#publicRunning(): number {
		let running = 0;
		for (const read of this.#running) if (read.public && !read.waiting) running++;
		return running;
	}

	/** Lets the first read in line run, if there is one and a place. */
	#nextInLine(): void {
		const next = this.#line[0];
		if (!next?.waiting || this.#publicRunning() >= this.#publicAtOnce) return;
		this.#line.shift();
		const run = next.waiting;
		next.waiting = undefined;
		run(true);
	}
}

/**
 * The 429 a refused read gets, with `Retry-After`: the APIs' error (JSON) for them and
 * page data, and for a page the app's error page (refusal.ts).
 */
export function tooManyReads(read: RefusedRequest, retryAfterSeconds: number): Response {
	const res = refusal(
		read,
		new CouchstatsError(
			429,
			`too many reads with these credentials at once or in a short time; retry in ${retryAfterSeconds} s`
		)
	);
	res.headers.set('retry-after', String(retryAfterSeconds));
	return res;
}
