import { afterEach, expect, test, vi } from 'vitest';
import { ChangesFollower, type ChangesPage, type ChangesSource } from './follower';

afterEach(() => vi.useRealTimers());

const doc = (site: string, path: string, extra: Record<string, unknown> = {}) => ({
	id: `${site}${path}`,
	doc: { site, type: 'pageview', path, ts: 1_800_000_000_000, ...extra }
});

/** A fake network: answers queued pages or errors, and records each `since` asked for. */
function scripted(answers: (ChangesPage | Error)[]) {
	const asked: (string | number)[] = [];
	const source: ChangesSource = (since, signal) => {
		asked.push(since);
		const next = answers.shift();
		if (!next) {
			return new Promise((_, reject) =>
				signal.addEventListener('abort', () => reject(new Error('aborted')))
			);
		}
		return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
	};
	return { source, asked };
}

test('delivers a site’s new records in one debounced batch, skipping bots, other sites and design docs', async () => {
	vi.useFakeTimers();
	const { source } = scripted([
		{
			results: [
				doc('demo', '/a'),
				doc('other', '/x'),
				doc('demo', '/b', { bot: true }),
				{ id: '_design/stats', doc: { site: 'demo', path: '/' } },
				doc('demo', '/c', { type: 'event', name: 'signup' })
			],
			last_seq: 7
		}
	]);
	const follower = new ChangesFollower(source, { debounceMs: 200 });
	const batches: unknown[] = [];
	follower.subscribe('demo', (records) => batches.push(records));
	await vi.advanceTimersByTimeAsync(199);
	expect(batches).toEqual([]);
	await vi.advanceTimersByTimeAsync(1);
	expect(batches).toEqual([
		[
			{ type: 'pageview', path: '/a', ts: 1_800_000_000_000 },
			{ type: 'event', path: '/c', name: 'signup', ts: 1_800_000_000_000 }
		]
	]);
	expect(follower.since).toBe(7);
	await follower.stop();
});

test('resumes from its last sequence after errors, with growing backoff', async () => {
	vi.useFakeTimers();
	const errors: unknown[] = [];
	const { source, asked } = scripted([
		{ results: [doc('demo', '/a')], last_seq: '3-x' },
		new Error('ECONNREFUSED'),
		new Error('ECONNREFUSED'),
		{ results: [doc('demo', '/b')], last_seq: '5-y' }
	]);
	const follower = new ChangesFollower(source, { onError: (e) => errors.push(e) });
	const paths: string[] = [];
	follower.subscribe('demo', (records) => paths.push(...records.map((r) => r.path)));
	await vi.advanceTimersByTimeAsync(499);
	expect(asked).toEqual(['now', '3-x']);
	await vi.advanceTimersByTimeAsync(1);
	expect(asked).toEqual(['now', '3-x', '3-x']);
	await vi.advanceTimersByTimeAsync(999);
	expect(asked).toEqual(['now', '3-x', '3-x']);
	await vi.advanceTimersByTimeAsync(1);
	expect(asked).toEqual(['now', '3-x', '3-x', '3-x', '5-y']);
	await vi.advanceTimersByTimeAsync(300);
	expect(paths).toEqual(['/a', '/b']);
	expect(errors).toHaveLength(2);
	await follower.stop();
});

test('polls only while someone listens, and re-polls an idle longpoll the server did not end', async () => {
	vi.useFakeTimers();
	const { source, asked } = scripted([]);
	const follower = new ChangesFollower(source, { pollTimeoutMs: 1000 });
	const stop = follower.subscribe('demo', () => undefined);
	await vi.advanceTimersByTimeAsync(6001);
	expect(asked).toEqual(['now', 'now']);
	stop();
	await vi.advanceTimersByTimeAsync(20_000);
	expect(asked).toHaveLength(2);
	expect(follower.listenerCount).toBe(0);
});
