/**
 * How the app's requests to the store reach undici, which nano's `fetch` sends them
 * through (store-limit.ts makes the clients).
 *
 * **An answer is handed on whole, or not at all.** nano reads each answer whole before it
 * settles its promise, but it reads a 2xx body that is no JSON outside of any `catch`
 * and without awaiting that read: a body that stalled past the limit or broke off after
 * its headers came made an unhandled rejection in the app process (undici's `TypeError:
 * terminated`) and left nano's promise pending for good (an outside security probe). So
 * the dispatcher holds an answer's headers and body until its last byte came and only
 * then hands them to `fetch`; a body that fails fails the request itself, which nano
 * rejects as it rejects a connection's failure, naming {@link UnfinishedAnswer} as the
 * reason.
 */
import { Agent, type Dispatcher } from 'undici';

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

/**
 * An undici dispatcher for a nano client (its `agentOptions`) that hands answers on whole.
 * @param options undici's `Agent` options (the time limits).
 */
export function storeDispatcher(options: Agent.Options): Dispatcher {
	return new Agent(options).compose(
		(dispatch) => (opts, handler) => dispatch(opts, new WholeAnswer(handler))
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

	constructor(private readonly handler: Handler) {}

	onConnect(abort: (err?: Error) => void): void {
		this.handler.onConnect?.(abort);
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
