/**
 * Reading a request body safely: the byte cap is enforced while streaming, before
 * anything is decoded or parsed, and the bytes must be valid UTF-8 JSON.
 */
import { CouchstatsError } from '../errors';

/** Media types a JSON body may be sent as: PouchDB sends JSON, the tracker (like `sendBeacon`) text. */
const JSON_TYPES = new Set(['application/json', 'text/plain']);

/**
 * Reads and parses a JSON request body of at most `maxBytes` bytes.
 * @param request The incoming request.
 * @param maxBytes The cap, in bytes.
 * @param charge Told the body's size before it is read (its declared length) or, when it
 *   declares none, as it arrives (the bytes so far, after each chunk), so that a body
 *   costs what it weighs before it is buffered; throws to refuse it.
 * @throws {CouchstatsError} 415 for another media type, 413 over the cap, 400 for
 *   a missing body, invalid UTF-8 or malformed JSON.
 */
export async function readJson(
	request: Request,
	maxBytes: number,
	charge?: (bytes: number) => void
): Promise<unknown> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (!JSON_TYPES.has(type)) {
		throw new CouchstatsError(415, 'send the body as application/json or text/plain');
	}
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > maxBytes) throw tooLarge(maxBytes);
	if (declared >= 0) charge?.(declared);
	const bytes = await readCapped(request, maxBytes, declared >= 0 ? undefined : charge);
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new CouchstatsError(400, 'the body is not valid UTF-8');
	}
	if (text.trim() === '') throw new CouchstatsError(400, 'the body is empty');
	try {
		return JSON.parse(text);
	} catch {
		throw new CouchstatsError(400, 'the body is not valid JSON');
	}
}

/**
 * Bytes of request bodies being read, in this process, at most: past it a body is
 * refused (503, retry shortly) rather than held. Bodies are charged to their address as
 * they arrive, but slow senders from many addresses could still hold memory without
 * bound (an outside probe: four addresses' unfinished chunked bodies held 2.3 GB, and
 * the process kept it).
 */
export const MAX_READING_BYTES = 64 * 1024 * 1024;
/** Bytes of the bodies being read now. */
let reading = 0;

/**
 * The body's bytes, read up to `maxBytes`.
 * @param arrived Told the bytes read so far after each chunk; throws to refuse the body.
 * @throws {CouchstatsError} 413 past `maxBytes`, 503 past {@link MAX_READING_BYTES} of
 *   bodies being read at once, 400 when it cannot be read.
 */
export async function readCapped(
	request: Request,
	maxBytes: number,
	arrived?: (bytes: number) => void
): Promise<Uint8Array<ArrayBuffer>> {
	if (!request.body) return new Uint8Array();
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			// Not cancelled: that destroys the connection before the refusal is sent. The
			// answer closes it, after a bounded read of the rest (boot/linger.js).
			if (size + value.byteLength > maxBytes) throw tooLarge(maxBytes);
			if (reading + value.byteLength > MAX_READING_BYTES) {
				throw new CouchstatsError(
					503,
					'the server is receiving too many request bodies at once; retry shortly'
				);
			}
			size += value.byteLength;
			reading += value.byteLength;
			chunks.push(value);
			arrived?.(size);
		}
	} catch (e) {
		if (e instanceof CouchstatsError) throw e;
		// adapter-node errors the stream with status 413 past its own BODY_SIZE_LIMIT.
		if ((e as { status?: number }).status === 413) throw tooLarge(maxBytes);
		// The cause tells a client gone mid-body (log.ts) from a body that was not read.
		throw Object.assign(new CouchstatsError(400, 'the body could not be read'), { cause: e });
	} finally {
		reading -= size;
	}
	return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Headers of an answer with `status`: a 413, 429 or 503 may refuse a body it did not read
 * to its end, so the connection closes once the answer is out, rather than the server
 * reading on what the client still sends until the request times out (a security probe:
 * 26 GB read over 30 s after a 413). The front server reads on a bounded while before it
 * closes (boot/linger.js), so a client still sending gets the answer, not a reset.
 */
export function closingHeaders(status: number): Record<string, string> {
	return status === 413 || status === 429 || status === 503 ? { Connection: 'close' } : {};
}

function tooLarge(maxBytes: number) {
	return new CouchstatsError(413, `the body is larger than ${maxBytes} bytes`);
}

/** Whether a parsed JSON value is an object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
