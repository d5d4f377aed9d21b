import { afterEach, expect, test, vi } from 'vitest';
import { closeTempStores, startTempStore } from '../embedded/test-store';
import { createCouch } from '../couch';
import { attemptLogin } from './login';
import { LoginPace, MAX_PACE_MS } from './login-pace';
import { LoginThrottle } from './login-throttle';

const HOUR = 3_600_000;

/** A pace on a clock the test moves, and the waits it asked for. */
function fakePace(start = 10 * HOUR) {
	const clock = { now: start };
	const slept: number[] = [];
	const pace = new LoginPace({
		now: () => clock.now,
		sleep: async (ms) => void slept.push(ms)
	});
	return { pace, clock, slept };
}

test('a failed attempt waits what its check lacks of the slowest check', async () => {
	const { pace, slept } = fakePace();
	pace.record(12);
	pace.record(48);
	pace.record(30);
	await pace.hold(5);
	await pace.hold(48);
	await pace.hold(60);
	await pace.hold(0);
	expect(slept).toEqual([43, 48]);
});

test('remembers the slowest check for 24 hours, and holds no attempt over MAX_PACE_MS', async () => {
	const { pace, clock } = fakePace();
	expect(pace.floor()).toBe(0);
	pace.record(90);
	clock.now += 2 * HOUR;
	pace.record(40);
	clock.now += 22 * HOUR - 1;
	expect(pace.floor()).toBe(90);
	clock.now += HOUR;
	expect(pace.floor()).toBe(40);
	clock.now += 2 * HOUR;
	expect(pace.floor()).toBe(0);
	pace.record(60_000);
	expect(pace.floor()).toBe(MAX_PACE_MS);
});

afterEach(closeTempStores);

test('an unknown name, a wrong password and an admin name fail after the same time, on the embedded store', async () => {
	const temp = await startTempStore({ memory: true, viewEngine: false });
	const name = 'paced-owner';
	const created = await temp.call('PUT', `/_users/org.couchdb.user:${name}`, {
		name,
		password: 'the-right-password',
		roles: [],
		type: 'user'
	});
	expect(created.status).toBe(201);
	const couch = createCouch(temp.store.url, 'pace');
	const slept: number[] = [];
	const pace = new LoginPace({ sleep: async (ms) => void slept.push(ms) });
	const checks: number[] = [];
	const record = pace.record.bind(pace);
	vi.spyOn(pace, 'record').mockImplementation((ms) => {
		checks.push(ms);
		record(ms);
	});
	const attempt = (who: string, password: string) =>
		attemptLogin(couch, { name: who, password, client: who }, new LoginThrottle(), pace);

	expect(await attempt(name, 'a-wrong-password')).toMatchObject({ ok: false, status: 401 });
	const known = checks[0];

	expect(await attempt('no-such-account', 'a-wrong-password')).toMatchObject({ status: 401 });
	expect(checks).toHaveLength(2);
	// The unknown name's check and its wait add up to the slowest check, the known one's at least.
	expect(checks[1] + (slept.at(-1) ?? 0)).toBe(pace.floor());
	expect(pace.floor()).toBeGreaterThanOrEqual(known);

	const admin = decodeURIComponent(temp.store.url.username);
	expect(await attempt(admin, 'a-wrong-password')).toMatchObject({ status: 401 });
	expect(checks).toHaveLength(2);
	expect(slept.at(-1)).toBe(pace.floor());

	const right = await attempt(name, 'the-right-password');
	expect(right.ok).toBe(true);
	expect(checks).toHaveLength(3);
});

test('failed attempts on one name hold its queue as long as the slowest check, so parallel ones queue alike whether the account exists', async () => {
	// An outside probe: parallel wrong guesses on an existing name finished one check apart,
	// on an unknown name together, since only existing names cost a check in the queue.
	const temp = await startTempStore({ memory: true, viewEngine: false });
	const couch = createCouch(temp.store.url, 'queue');
	const pace = new LoginPace();
	pace.record(300);
	const throttle = new LoginThrottle();
	const ended: number[] = [];
	const attempt = (client: string) =>
		attemptLogin(
			couch,
			{ name: 'no-such-account', password: 'wrong', client },
			throttle,
			pace
		).then((outcome) => (ended.push(pace.now()), outcome));
	const outcomes = await Promise.all([attempt('203.0.113.1'), attempt('203.0.113.2')]);
	expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
	// The second began its check once the first had held the queue its 300 ms, then held its own.
	expect(ended[1] - ended[0]).toBeGreaterThanOrEqual(290);
});
