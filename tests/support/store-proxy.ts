/**
 * A proxy in front of a CouchDB-compatible store, for tests that need to see or change
 * what the app or a tool sends it (count logins, answer a lockout, cut connections): each
 * request is read whole, offered to `intercept`, and forwarded unless that answered it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers a request itself (true) or leaves it to be forwarded (false). */
export type Intercept = (
	req: http.IncomingMessage,
	res: http.ServerResponse,
	body: Buffer
) => boolean;

/** A running proxy: the store's URL (credentials kept) at the proxy's address. */
export interface StoreProxy {
	url: URL;
	close(): Promise<void>;
}

/** Sends a request the proxy read to `store`, and its answer back (an intercept may call it later). */
export function forward(
	store: URL,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	body: Buffer
): void {
	const sent = http.request(
		{
			host: store.hostname,
			port: store.port,
			method: req.method,
			path: req.url,
			headers: req.headers
		},
		(answer) => {
			res.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(res);
		}
	);
	sent.on('error', () => res.destroy());
	sent.end(body);
}

/** Starts a proxy on a free loopback port in front of `store`. */
export async function storeProxy(
	store: URL,
	intercept: Intercept = () => false
): Promise<StoreProxy> {
	const server = http.createServer((req, res) => {
		const chunks: Uint8Array[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(new Uint8Array(chunk)));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			if (!intercept(req, res, body)) forward(store, req, res, body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = new URL(store);
	url.hostname = '127.0.0.1';
	url.port = String((server.address() as AddressInfo).port);
	return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A proxy that holds back the requests a test picks ({@link holdingProxy}). */
export interface HoldingProxy extends StoreProxy {
	/** How many requests are held or were. */
	held(): number;
	/** Sends the held requests on to the store, and answers them with its answers. */
	release(): void;
}

/**
 * A proxy that holds every request `hold` picks (by method and path, without the query)
 * until the test releases it, or forever (its client gives up): a test puts a step of
 * its own (a site's deletion, say) between two requests of the code it checks, or plays
 * an index that stays busy.
 */
export async function holdingProxy(
	store: URL,
	hold: (request: { method: string; path: string }) => boolean
): Promise<HoldingProxy> {
	let held = 0;
	const waiting: (() => void)[] = [];
	const proxy = await storeProxy(store, (req, res, body) => {
		if (!hold({ method: req.method!, path: req.url!.split('?')[0] })) return false;
		held += 1;
		waiting.push(() => forward(store, req, res, body));
		return true;
	});
	return {
		...proxy,
		held: () => held,
		release: () => waiting.splice(0).forEach((send) => send())
	};
}

/**
 * A proxy that lets `kept` requests to `_bulk_docs` through, then cuts every later one's
 * connection: a store that stops answering halfway through a tool's chunks.
 */
export function cuttingProxy(store: URL, kept: number): Promise<StoreProxy> {
	let bulks = 0;
	return storeProxy(store, (req) => {
		if (!req.url?.includes('_bulk_docs') || ++bulks <= kept) return false;
		req.socket.destroy();
		return true;
	});
}
