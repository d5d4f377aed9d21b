/**
 * The server's error log: lines stamped with their time (boot/log-line.js). Every line
 * passes through {@link redactSecrets}, so share-link
 * secrets, API tokens, session cookies and passwords never reach a log, wherever they
 * appear: in a path (`/share/shr_…`), a query string (`?share=`, as the live stream
 * takes it), a header or an error message.
 */
import { isStoreSilence } from './errors';
import { logLine } from './boot/log-line.js';
import { cleanText, shownText } from '../text';

const SECRETS: [RegExp, string][] = [
	// Share-link secrets and API tokens, by their prefixes (site-admin.ts, tokens.ts).
	[/\bshr_[A-Za-z0-9_-]+/g, 'shr_***'],
	[/\bcst_[A-Za-z0-9_-]+/g, 'cst_***'],
	[/([?&](?:share|token|password)=)[^&\s#]*/gi, '$1***'],
	[/(\bBearer\s+)[^\s"',]+/gi, '$1***'],
	[/(\b(?:AuthSession|couchstats_session)=)[^;\s"',]+/g, '$1***'],
	// user:password@ in URLs (COUCHDB_URL).
	[/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@']
];

/**
 * A run of URL characters: a path or query as a client spelled it, which the app reads
 * decoded (`/share/%73hr_…` opens the share page of `shr_…`). Matched whole, with no
 * backtracking, so a long line costs linear time (a run required to hold a `%` matched
 * quadratically: half a second for a 16 KB path).
 */
const URL_RUN = /[^\s"'<>]+/g;

/** The text with every secret it holds replaced by `***`. */
export function redactSecrets(text: string): string {
	// Runs with escapes first, on the text as it came: redacting the plain spelling
	// first would cut a secret written partly escaped (`shr_A%62Cd…`) to a remainder
	// that no pattern knows any longer, every character of it but the first kept (review41).
	const decoded = text.includes('%') ? text.replace(URL_RUN, redactEscapedRun) : text;
	return redactPlain(decoded);
}

/**
 * A run as the app reads it, with its escapes decoded, redacted (an outside probe: a
 * share secret spelled `%73hr_…` reached the log whole): written re-encoded when it held
 * a secret, else as it came.
 */
function redactEscapedRun(run: string): string {
	if (!run.includes('%')) return run;
	const decoded = percentDecoded(run);
	const redacted = redactPlain(decoded);
	// Well formed: encodeURI throws on a lone surrogate (a line cut in a pair).
	return redacted === decoded ? run : encodeURI(redacted.toWellFormed());
}

function redactPlain(text: string): string {
	return SECRETS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * Every percent escape of `run` decoded, again while any is left (a secret escaped twice
 * is no secret the app reads, but a log should not hold it either), each byte that is no
 * UTF-8 as U+FFFD on its own, so that a bad byte beside a secret's escapes does not take
 * them with it (review41: `%FF%73hr_…` was logged whole).
 */
function percentDecoded(run: string): string {
	let text = run;
	for (let pass = 0; pass < 4 && /%[0-9A-Fa-f]{2}/.test(text); pass++) {
		text = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) =>
			Buffer.from(escapes.replaceAll('%', ''), 'hex').toString('utf8')
		);
	}
	return text;
}

/**
 * Logs one line about something an operator may want to act on that is no error of the
 * server's (a refused login, for fail2ban and the like), secrets redacted. What a client
 * sent can be in it (a page's `Origin`, an address from a proxy's header, which Node
 * takes with C1 controls): each run of whitespace and control characters is one space
 * (text.ts `cleanText`) and a character that shows as nothing or acts on a terminal
 * (U+009B is CSI, U+0085 a line break to some readers) its code point (`shownText`),
 * so that no client can forge a line or hide words in one, and at most
 * {@link NOTICE_CHARS} of it.
 */
export function logNotice(line: string): void {
	const said = redactSecrets(`couchstats: ${shownText(cleanText(line))}`);
	logLine(said.length > NOTICE_CHARS ? `${said.slice(0, NOTICE_CHARS)}… (cut)` : said);
}

/**
 * The longest a notice is, in UTF-16 units (redacted first, then cut): what a client sent
 * in it is bounded only by the request's header size (a login line naming a 16 KB
 * `ADDRESS_HEADER` value from a client that reached an exposed port: a review).
 */
export const NOTICE_CHARS = 1000;

/**
 * A {@link logNotice} for a line any client can cause at will: said at most once every
 * `everyMs` (a line per request would let anyone flood the log), the rest dropped.
 * @param now Clock in ms (tests); read when a line is asked for.
 */
export function noticeAtMost(everyMs: number): (line: string, now?: number) => void {
	let saidAt = -Infinity;
	return (line, now = Date.now()) => {
		if (now - saidAt < everyMs) return;
		saidAt = now;
		logNotice(line);
	};
}

/**
 * Logs an unexpected error (with its stack), secrets redacted. The store's silence
 * ({@link StoreTimeout}) is no unexpected error: it has its own line, once a minute
 * while it lasts (store-limit.ts), not a stack for each request it failed. Nor is a read
 * ended because its client went away ({@link ClientGone}): nothing failed.
 */
export function logError(context: string, error: unknown): void {
	if (isStoreSilence(error)) return;
	const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
	logLine(redactSecrets(`couchstats: ${context}: ${detail}`));
}

/**
 * Whether an error is Node's word that a request's connection closed before its whole
 * body arrived (`Error: aborted`, code `ECONNRESET`): the client went away, or was cut
 * off by the server's request time limit (408, scripts/serve.js). Nothing failed on
 * this side.
 */
export function isClientAbort(error: unknown): boolean {
	return (
		error instanceof Error &&
		error.message === 'aborted' &&
		(error as { code?: unknown }).code === 'ECONNRESET'
	);
}

/** An error's message for a log line without its stack: its first line, at most 200 characters. */
export function errorLine(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.split('\n')[0].slice(0, 200);
}

/**
 * Logs a request that failed, as what it is: a 404 not at all (no error worth a line),
 * a client's abort ({@link isClientAbort}) and any other client error (4xx) as one line
 * without a stack, anything else as an unexpected error with its stack ({@link logError}).
 * @param request The request, e.g. `POST /login`.
 * @param status The status SvelteKit answers with (500 for any unexpected error).
 */
export function logRequestError(request: string, status: number, error: unknown): void {
	if (status === 404) return;
	if (isClientAbort(error)) {
		logLine(
			redactSecrets(
				`couchstats: ${request} (client abort): the connection closed before the whole body arrived`
			)
		);
		return;
	}
	if (status < 500) {
		// The client's mistake (a form action sent JSON, say): one line, no stack, so that
		// nobody can fill the log with traces by sending malformed requests.
		logLine(redactSecrets(`couchstats: ${request} (${status}): ${errorLine(error)}`));
		return;
	}
	logError(`${request} (${status})`, error);
}
