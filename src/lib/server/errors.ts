/**
 * The one errors module. Every error the server raises on purpose is a
 * {@link CouchstatsError}: a stable `name`, the HTTP `status` to answer with, and a
 * message that is safe to show to whoever made the request. Anything else is an
 * internal error whose message never reaches a user.
 */
export class CouchstatsError extends Error {
	/**
	 * @param status HTTP status to answer with.
	 * @param message What was wrong, phrased for the person who sent the request.
	 * @param name Stable machine-readable name, e.g. `bad_request`.
	 */
	constructor(
		readonly status: number,
		message: string,
		override readonly name: string = nameFor(status)
	) {
		super(message);
	}
}

/**
 * A {@link CouchstatsError} about one field of a submitted form, so the page can mark
 * that field (`aria-invalid`) and put the message beside it.
 */
export class FieldError extends CouchstatsError {
	/**
	 * @param status HTTP status to answer with.
	 * @param message What was wrong, phrased for the person who sent the form.
	 * @param field The `name` of the form field it is about, e.g. `hostnames`.
	 */
	constructor(
		status: number,
		message: string,
		readonly field: string
	) {
		super(status, message);
	}
}

/**
 * The store did not answer a request within the app's limit (store-limit.ts says which
 * requests have one): 503, and a message that says so.
 */
export class StoreTimeout extends CouchstatsError {
	/**
	 * @param waitMs The limit the store did not answer within, ms.
	 * @param what What it did not do in time: `answer`, or `finish its answer` (its
	 *   answer's body stalled or broke off).
	 */
	constructor(
		readonly waitMs: number,
		what = 'answer'
	) {
		super(503, `the database did not ${what} within ${waitMs / 1000} s; try again in a moment`);
	}
}

/** An error whose answer says when to ask again (`Retry-After`, seconds). */
export class RetryLater extends CouchstatsError {
	constructor(
		status: number,
		message: string,
		readonly after: number
	) {
		super(status, `${message}; retry in ${after} s`);
	}
}

/**
 * The client of the request a read of the store was made for went away, and the read was
 * ended with it (store-dispatch.ts): nobody is left to answer, and nothing failed on this
 * side (499, nginx's "client closed request", which no client reads).
 */
export class ClientGone extends CouchstatsError {
	constructor() {
		super(499, 'the client closed its request before its answer was made', 'client_gone');
	}
}

/**
 * Whether an error is the store not answering ({@link StoreTimeout}) or the read given up
 * with its request's client ({@link ClientGone}): no failure of the server's, nor an
 * answer about what was asked.
 */
export function isStoreSilence(e: unknown): e is StoreTimeout | ClientGone {
	return e instanceof StoreTimeout || e instanceof ClientGone;
}

/**
 * A problem that stops the server from starting: bad configuration, an unreachable
 * or misconfigured CouchDB, an unwritable data directory. `fix` says what to do.
 * The launcher prints `message — fix` as one line and exits non-zero.
 */
export class StartupError extends Error {
	override readonly name = 'StartupError';
	/**
	 * @param message What is wrong, e.g. `COUCHDB_URL is not a URL`.
	 * @param fix What the operator should do about it.
	 */
	constructor(
		message: string,
		readonly fix: string
	) {
		super(message);
	}

	/** The one line printed on start-up failure. */
	get line(): string {
		return `couchstats: ${this.message} — ${this.fix}`;
	}
}

function nameFor(status: number): string {
	const names: Record<number, string> = {
		400: 'bad_request',
		401: 'unauthorized',
		403: 'forbidden',
		404: 'not_found',
		405: 'method_not_allowed',
		409: 'conflict',
		413: 'too_large',
		415: 'unsupported_media_type',
		429: 'too_many_requests',
		503: 'unavailable'
	};
	return names[status] ?? 'error';
}
