/**
 * The view engine's one error type: an HTTP status and CouchDB's `{error, reason}`
 * body (`400 query_parse_error`, `404 not_found`, `500 timeout`, …).
 */
export class ViewError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly reason: string
	) {
		super(`${error}: ${reason}`);
		this.name = 'ViewError';
	}

	/** CouchDB's JSON body for the error. */
	get body(): { error: string; reason: string } {
		return { error: this.error, reason: this.reason };
	}
}
