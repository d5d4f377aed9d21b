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
