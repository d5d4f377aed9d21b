/**
 * How the app's requests to the store reach undici, which nano's `fetch` sends them
 * through (store-limit.ts makes the clients). Two rules hold for every request:
 *
 * - **An answer is handed on whole, or not at all.** nano reads each answer whole
 *   before it settles its promise, but it reads a 2xx body that is no JSON outside of
 *   any `catch` and without awaiting that read: a body that stalled past the limit or
 *   broke off after its headers came made an unhandled rejection in the app process
 *   (undici's `TypeError: terminated`) and left nano's promise pending for good (an
 *   outside security probe). So the dispatcher holds an answer's headers and body until
 *   its last byte came and only then hands them to `fetch`; a body that fails fails the
 *   request itself, which nano rejects as it rejects a connection's failure, naming
 *   {@link UnfinishedAnswer} as the reason.
 * - **A request made for a client ends when that client goes away.** A page or API read
 *   whose browser left (a share page closed, a reader gone) would otherwise go on asking
 *   the store for nobody. `hooks.server.ts` runs each read with its request's signal
 *   ({@link forClient}); the requests to the store it makes meanwhile, in any function it
 *   calls, are aborted when that signal fires, and those made after fail at once (the
 *   embedded store stops a view read whose connection closed: views/http.ts).
 *   Work several clients share (a cached site list, the public stats' one read) runs
 *   for none of them ({@link forNoClient}): one client's leaving must not fail the others.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { Agent, type Dispatcher } from 'undici';

/** The signal of the client a request to the store is made for, if any. */
const clients = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` for the client whose request has `signal` (SvelteKit's
 * `event.request.signal`, aborted when the client's connection closes before its answer
 * was sent): the requests to the store made meanwhile end when it fires.
 */
export function forClient<T>(signal: AbortSignal, work: () => T): T {
	// Each request to the store listens to the signal until it ends: a dashboard's read
	// makes two dozen at once, past Node's warning of a leak at 11 (they are let go).
	setMaxListeners(0, signal);
	return clients.run(signal, work);
}

/**
 * Runs `work`, whose result several clients may share, for none of them: its requests to
 * the store go on whoever leaves.
 */
export function forNoClient<T>(work: () => T): T {
	return clients.exit(work);
}

/** Whether the client the current work is for has gone away. */
export function clientLeft(): boolean {
	return clients.getStore()?.aborted ?? false;
}

/**
 * An answer of the store that stopped after its headers: its body stalled past the limit
 * or its connection broke off. `cause` is undici's error.
 */
export class UnfinishedAnswer extends Error {
	override readonly name = 'UnfinishedAnswer';
	constructor(cause: Error) {
		super(`${cause.name}: ${cause.message}`, { cause });
	}
}

/** The reason a request to the store was aborted: its client went away. */
export class ClientLeft extends Error {
	override readonly name = 'ClientLeft';
	constructor() {
		super('the client of the request it was made for went away');
	}
}

/**
 * An undici dispatcher for a nano client (its `agentOptions`) that hands answers on
 * whole, and ends the requests of a client that left when `followsClients` (the app's
 * limited clients; not the live follower's longpoll, which no one client owns).
 * @param options undici's `Agent` options (the time limits).
 */
export function storeDispatcher(options: Agent.Options, followsClients: boolean): Dispatcher {
	return new Agent(options).compose(
		(dispatch) => (opts, handler) =>
			dispatch(opts, new WholeAnswer(handler, followsClients ? clients.getStore() : undefined))
	);
}

type Handler = Dispatcher.DispatchHandlers;

/**
 * Holds an answer until it is whole, then hands it to `handler` (`fetch`'s): a failure
 * on the way reaches `handler` before any header did, as a failed request.
 */
class WholeAnswer implements Handler {
	#head: Parameters<NonNullable<Handler['onHeaders']>> | undefined;
	readonly #body: Buffer[] = [];
	#unlisten: (() => void) | undefined;

	constructor(
		private readonly handler: Handler,
		private readonly client: AbortSignal | undefined
	) {}

	onConnect(abort: (err?: Error) => void): void {
		this.handler.onConnect?.(abort);
		const client = this.client;
		if (!client) return;
		const leave = () => abort(new ClientLeft());
		if (client.aborted) return leave();
		this.#unlisten?.();
		client.addEventListener('abort', leave, { once: true });
		this.#unlisten = () => client.removeEventListener('abort', leave);
	}

	onHeaders(...head: Parameters<NonNullable<Handler['onHeaders']>>): boolean {
		this.#head = head;
		return true;
	}

	onData(chunk: Buffer): boolean {
		this.#body.push(chunk);
		return true;
	}

	onComplete(trailers: string[] | null): void {
		this.#unlisten?.();
		const head = this.#head;
		if (head) {
			const [statusCode, headers, , statusText] = head;
			// Its body is here already: nothing to resume.
			this.handler.onHeaders?.(statusCode, headers, () => {}, statusText);
			for (const chunk of this.#body) this.handler.onData?.(chunk);
		}
		this.handler.onComplete?.(trailers);
	}

	onError(err: Error): void {
		this.#unlisten?.();
		this.handler.onError?.(this.#head ? new UnfinishedAnswer(err) : err);
	}

	onUpgrade(...args: Parameters<NonNullable<Handler['onUpgrade']>>): void {
		this.handler.onUpgrade?.(...args);
	}

	onBodySent(...args: Parameters<NonNullable<Handler['onBodySent']>>): void {
		this.handler.onBodySent?.(...args);
	}

	onResponseStarted(): void {
		this.handler.onResponseStarted?.();
	}
}
