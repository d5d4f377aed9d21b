import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { logError, logNotice, logRequestError, NOTICE_CHARS, redactSecrets } from './log';
import { StoreTimeout } from './errors';

const SHARE = 'shr_' + 'a1B2'.repeat(8);
const TOKEN = 'cst_' + 'Zz9-'.repeat(11);

test.each([
	[`GET /share/${SHARE}/x failed`, 'GET /share/shr_***/x failed'],
	[`GET /api/v1/live?site=demo&share=${SHARE}`, 'GET /api/v1/live?site=demo&share=***'],
	[`authorization: Bearer ${TOKEN}`, 'authorization: Bearer ***'],
	[`token ${TOKEN} refused`, 'token cst_*** refused'],
	['cookie: AuthSession=YWRtaW46Njk.abc; other=1', 'cookie: AuthSession=***; other=1'],
	['couchstats_session=abc.def', 'couchstats_session=***'],
	['__Host-couchstats_session=abc.def', '__Host-couchstats_session=***'],
	['http://couchdb-admin:s3cret@127.0.0.1:5984/', 'http://couchdb-admin:***@127.0.0.1:5984/'],
	['nothing secret here: /sites/demo?range=7d', 'nothing secret here: /sites/demo?range=7d'],
	// Percent-encoded, as the app reads them (an outside probe found these in the log).
	[`POST /share/%73hr_${SHARE.slice(4)} (405)`, 'POST /share/shr_*** (405)'],
	[`GET /share/shr%5F${SHARE.slice(4)}/%E0%A4%A (400)`, 'GET /share/shr_***/%EF%BF%BD%25A (400)'],
	[`GET /share/%2573hr_${SHARE.slice(4)}`, 'GET /share/shr_***'],
	// review41: partly escaped, and beside a byte that is no UTF-8.
	[`POST /share/shr_a%31B2${SHARE.slice(8)} (405)`, 'POST /share/shr_*** (405)'],
	[`POST /share/shr_a1B2a1B2 x cst_Z%7A9-${TOKEN.slice(8)}`, 'POST /share/shr_*** x cst_***'],
	[
		`GET /share/%FF%73hr_${SHARE.slice(4)} (400): Failed to decode URI: /share/%FF%73hr_${SHARE.slice(4)}`,
		'GET /share/%EF%BF%BDshr_*** (400): Failed to decode URI: /share/%EF%BF%BDshr_***'
	],
	['x /share/%73hr_abc\uD83D', 'x /share/shr_***%EF%BF%BD'],
	[`GET /x?sh%61re=${SHARE.slice(0, 8)}&a=%0A`, 'GET /x?share=***&a=%0A'],
	[`GET /x?token=%63st_abc`, 'GET /x?token=***'],
	['GET /p/%E2%82%AC%20x (400)', 'GET /p/%E2%82%AC%20x (400)']
])('redacts %j', (text, expected) => {
	expect(redactSecrets(text)).toBe(expected);
});

const AT = '2026-12-07T01:12:03.456Z';

beforeEach(() => {
	vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(AT) });
});

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

test('logs an error with its stack and without the secrets in it', () => {
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logError(`GET /share/${SHARE}`, new Error(`read of ${SHARE} failed`));
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(
		/^2026-12-07T01:12:03\.456Z couchstats: GET \/share\/shr_\*\*\*: Error: read of shr_\*\*\* failed\n2026-12-07T01:12:03\.456Z\s+at /
	);
	expect(lines[0]).not.toContain(SHARE);
	// Every line of the stack carries the time (an outside probe found two without).
	for (const line of lines[0].split('\n')) expect(line.startsWith(`${AT} `)).toBe(true);
});

test("logs no stack for the store's silence, which has its own line (store-limit.ts)", () => {
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logError('dashboard read failed', new StoreTimeout(20_000));
	logRequestError('GET /sites', 500, new StoreTimeout(20_000));
	expect(lines).toEqual([]);
});

/** Node's error for a request whose connection closed mid-body (`connResetException`). */
function aborted(): Error {
	return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

test('logs a request its client aborted mid-body as one line, without a stack', () => {
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logRequestError(`POST /share/${SHARE}`, 500, aborted());
	expect(lines).toEqual([
		`${AT} couchstats: POST /share/shr_*** (client abort): the connection closed before the whole body arrived`
	]);
});

test('logs any other failed request with its status and stack, and a 404 not at all', () => {
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logRequestError('GET /sites', 404, new Error('not found'));
	expect(lines).toEqual([]);
	logRequestError('POST /login', 500, new Error('aborted'));
	logRequestError('POST /login', 500, Object.assign(new Error('boom'), { code: 'ECONNRESET' }));
	expect(lines).toHaveLength(2);
	expect(lines[0]).toMatch(
		/^2026-12-07T01:12:03\.456Z couchstats: POST \/login \(500\): Error: aborted\n\S+Z\s+at /
	);
	expect(lines[1]).toMatch(
		/^2026-12-07T01:12:03\.456Z couchstats: POST \/login \(500\): Error: boom\n\S+Z\s+at /
	);
});

test("logs a client's error (4xx) as one line without a stack, secrets redacted", () => {
	// An outside review filled the log with stack traces by posting JSON to a form action.
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	const error = new Error(`Form actions expect form-encoded data ${SHARE}\nsecond line`);
	logRequestError('POST /sites/evil/settings', 415, error);
	expect(lines).toEqual([
		`${AT} couchstats: POST /sites/evil/settings (415): Form actions expect form-encoded data shr_***`
	]);
});

test("writes a notice as one line, a client's control characters as spaces or code points", () => {
	// Node takes an Origin header with C1 controls (U+009B is CSI to a terminal, U+0085 a
	// line break to some readers) and tabs; the refused cross-site change logs the Origin.
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logNotice(
		'refused a change sent from a page of https://a\u009b31m\u0085\tb\n\u202ex: set ORIGIN'
	);
	expect(lines).toEqual([
		`${AT} couchstats: refused a change sent from a page of https://aU+009B31mU+0085 b U+202Ex: set ORIGIN`
	]);
});

test('cuts a notice past its length, after redacting it', () => {
	// A login line names the client's address, as long as a proxy header a client wrote.
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logNotice(`login refused from ${'9'.repeat(16_000)}`);
	logNotice('login refused from 203.0.113.7');
	expect(lines[0]).toBe(
		`${AT} couchstats: login refused from ${'9'.repeat(NOTICE_CHARS - 31)}… (cut)`
	);
	expect(lines[1]).toBe(`${AT} couchstats: login refused from 203.0.113.7`);
});

test('stamps each line with the moment it was written, as a log kept in a file needs', () => {
	// An outside probe: under nohup no line said when a login was refused or the app killed.
	const lines: string[] = [];
	vi.spyOn(console, 'error').mockImplementation((line: string) => lines.push(line));
	logNotice('login refused from 203.0.113.7 (401: Wrong account name or password.)');
	vi.setSystemTime(Date.parse(AT) + 61_000);
	logNotice('login refused from 203.0.113.7 (429: Too many attempts.)');
	expect(lines).toEqual([
		`${AT} couchstats: login refused from 203.0.113.7 (401: Wrong account name or password.)`,
		'2026-12-07T01:13:04.456Z couchstats: login refused from 203.0.113.7 (429: Too many attempts.)'
	]);
});
