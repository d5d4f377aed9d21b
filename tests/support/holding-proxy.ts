/**
 * A pass-through to a store that holds back the requests a test picks: each is answered
 * when the test releases it, or never (its client gives up). Every other request reaches
 * the store as sent. Tests use it to put a step of their own (a site's deletion, say)
 * between two requests of the code they check, or to play an index that stays busy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request on its way to the store. */
export interface HeldRequest {
	method: string;
	/** The path, without the query. */
	path: string;
}

/** A started proxy. */
export interface HoldingProxy {
	/** The store's URL with the proxy's port. */
	url: URL;
	/** How many requests are held or were. */
	held(): number;
	/** Sends the held requests on to the store, and answers them with its answers. */
	release(): void;
	close(): void;
}

/**
 * Starts a proxy to `target` that holds every request `hold` picks.
 * @param hold Called for each request in order of arrival.
 */
export async function holdingProxy(
	target: URL,
	hold: (request: HeldRequest) => boolean
): Promise<HoldingProxy> {
	let held = 0;
	const waiting: (() => void)[] = [];
	const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
		const sent = http.request(
			new URL(req.url!, target),
			{ method: req.method, headers: req.headers },
			(answer) => {
				res.writeHead(answer.statusCode!, answer.headers);
				answer.pipe(res);
			}
		);
		sent.on('error', () => res.destroy());
		req.pipe(sent);
	};
	const server = http.createServer((req, res) => {
		if (hold({ method: req.method!, path: req.url!.split('?')[0] })) {
			held += 1;
			req.pause();
			waiting.push(() => forward(req, res));
			return;
		}
		forward(req, res);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = new URL(target);
	url.port = String((server.address() as AddressInfo).port);
	return {
		url,
		held: () => held,
		release: () => waiting.splice(0).forEach((send) => send()),
		close: () => {
			server.closeAllConnections();
			server.close();
		}
	};
}
