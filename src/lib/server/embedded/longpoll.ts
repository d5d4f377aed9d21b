/**
 * CouchDB's `_changes?feed=longpoll`, emulated in front of express-pouchdb.
 *
 * express-pouchdb's own longpoll ignores `timeout` and leaks a heartbeat interval
 * whenever a client disconnects early — which keeps the process from ever exiting.
 * Here a longpoll is answered by polling the store's plain (non-feed) `_changes` over
 * loopback with the caller's own credentials until there are results or `timeout`
 * (default 60 s, CouchDB's) has passed. As Apache CouchDB does, a longpoll that has to
 * wait gets its headers and `{"results":[` at once and the rest when it ends, so a
 * client that gives up mid-wait sees the same cut-off body there as here.
 *
 * A waiting longpoll looks again as soon as a write through the same server has been
 * answered ({@link Writes}), so that a change reaches a follower without waiting for
 * the next look; the interval remains for writes that bypass the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What CouchDB writes before it waits for changes. */
const RESULTS_OPENING = '{"results":[\n';

/** Tells waiting longpolls that a write was answered: they look for changes at once. */
export class Writes {
	/** Counts answered writes, so that a longpoll that was busy looking notices one it missed. */
	count = 0;
	private readonly waiting = new Set<() => void>();

	/** A write was answered. */
	done(): void {
		this.count++;
		for (const wake of this.waiting) wake();
		this.waiting.clear();
	}

	/** Resolves after `ms`, or at the next answered write. */
	wait(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const wake = () => {
				clearTimeout(timer);
				this.waiting.delete(wake);
				resolve();
			};
			const timer = setTimeout(wake, ms);
			this.waiting.add(wake);
		});
	}
}

/** Whether a request is a longpoll the emulation should answer. */
export function isLongpoll(method: string, url: URL): boolean {
	return (
		method === 'GET' &&
		url.pathname.split('/').filter(Boolean).at(-1) === '_changes' &&
		url.searchParams.get('feed') === 'longpoll'
	);
}

/**
 * Answers a longpoll request.
 * @param base The store's own loopback origin, e.g. `http://127.0.0.1:41234`.
 * @param writes The server's answered writes, which end a wait early.
 * @param intervalMs How often to look for changes without a write; default 200 ms.
 */
export async function answerLongpoll(
	req: IncomingMessage,
	res: ServerResponse,
	base: string,
	writes = new Writes(),
	intervalMs = 200
): Promise<void> {
	const url = new URL(req.url ?? '/', base);
	const headers: Record<string, string> = { accept: 'application/json' };
	if (req.headers.authorization) headers.authorization = req.headers.authorization;
	if (req.headers.cookie) headers.cookie = req.headers.cookie;
	let closed = false;
	res.on('close', () => (closed = true));

	const requested = Number(url.searchParams.get('timeout') ?? 60_000);
	const timeout = Number.isFinite(requested) ? Math.min(Math.max(requested, 0), 60_000) : 60_000;
	const deadline = Date.now() + timeout;
	const params = new URLSearchParams(url.searchParams);
	for (const name of ['feed', 'timeout', 'heartbeat']) params.delete(name);

	if (params.get('since') === 'now') {
		const dbPath = url.pathname.replace(/\/_changes$/, '');
		const info = await fetch(base + dbPath, { headers });
		if (!info.ok) return relay(res, info);
		params.set('since', String(((await info.json()) as { update_seq: unknown }).update_seq));
	}

	let waiting = false;
	try {
		for (;;) {
			const seen = writes.count;
			const answer = await fetch(`${base}${url.pathname}?${params}`, { headers });
			if (closed) return;
			if (!answer.ok) {
				// Past the headers an error can only cut the answer off, as on CouchDB.
				if (waiting) return void res.destroy();
				return relay(res, answer);
			}
			const { results, ...rest } = (await answer.json()) as { results: unknown[] };
			if (results.length || Date.now() >= deadline) {
				if (!waiting) res.writeHead(200, { 'content-type': 'application/json' });
				const items = results.map((r) => JSON.stringify(r)).join(',\n');
				const tail = Object.keys(rest).length ? `,\n${JSON.stringify(rest).slice(1)}` : '}';
				res.end(`${waiting ? '' : RESULTS_OPENING}${items}\n]${tail}\n`);
				return;
			}
			if (!waiting) {
				waiting = true;
				res.writeHead(200, { 'content-type': 'application/json' });
				res.write(RESULTS_OPENING);
			}
			if (writes.count === seen) await writes.wait(intervalMs);
			if (closed) return;
		}
	} catch (error) {
		if (!waiting) throw error;
		res.destroy();
	}
}

async function relay(res: ServerResponse, answer: Response) {
	res.writeHead(answer.status, { 'content-type': 'application/json' });
	res.end(await answer.text());
}
