import { describe, expect, test } from 'vitest';
import { RETENTION, storeFailureLine } from './store-failure';

/** An error as nano makes it: a message, and the answer's status when there was one. */
function nanoError(message: string, statusCode?: number): Error {
	return Object.assign(new Error(message), statusCode === undefined ? {} : { statusCode });
}

describe('storeFailureLine', () => {
	test('a lost connection: start the store again', () => {
		expect(
			storeFailureLine(nanoError('error happened in your connection. Reason: other side closed'))
		).toBe(
			'couchstats import: the store stopped answering (other side closed); every chunk stored before is kept: start the store again and run the same command to resume'
		);
	});

	test('retention says what it deleted stays deleted', () => {
		// An outside operator probe: the store killed mid-retention printed nano's stack.
		const lost = nanoError(
			'error happened in your connection. Reason: SocketError: other side closed'
		);
		expect(storeFailureLine(lost, RETENTION)).toBe(
			'couchstats retention: the store stopped answering (SocketError: other side closed); every record deleted before stays deleted: start the store again and run the same command to resume'
		);
	});

	test('the store’s own error answer (a full disk): one line, not a stack', () => {
		const full = nanoError(
			'IO error: /data/couchdb-views/000003.log: No space left on device',
			500
		);
		expect(storeFailureLine(full)).toBe(
			'couchstats import: the store failed (500: IO error: /data/couchdb-views/000003.log: No space left on device); every chunk stored before is kept: put that right (a full disk, say) and run the same command to resume'
		);
	});

	test.each([
		['a refusal of the request (4xx)', nanoError('forbidden', 403)],
		['any other error', new Error('something else')],
		['a value that is no error', 'text']
	])('is none for %s', (_, e) => {
		expect(storeFailureLine(e)).toBeUndefined();
	});
});
