import { describe, expect, test } from 'vitest';
import { RETENTION_EVERY_MS, scheduleRetention } from './retention-schedule';

/** A timer that runs only when the test says, remembering what it was asked. */
function manualTimer() {
	const waiting: { run: () => void; ms: number }[] = [];
	return {
		waiting,
		later: (run: () => void, ms: number) => void waiting.push({ run, ms }),
		fire() {
			waiting.shift()!.run();
		}
	};
}

describe('the retention schedule', () => {
	test('runs at once, then a day after each run ended, never two at once', async () => {
		const timer = manualTimer();
		let running = 0;
		let most = 0;
		let runs = 0;
		let finish: (() => void) | undefined;
		const schedule = scheduleRetention(
			() => {
				runs += 1;
				running += 1;
				most = Math.max(most, running);
				return new Promise<void>((resolve) => {
					finish = () => {
						running -= 1;
						resolve();
					};
				});
			},
			{ later: timer.later }
		);
		expect(runs).toBe(1);
		// The next run is timed only once this one ended.
		expect(timer.waiting).toEqual([]);
		finish!();
		await schedule.idle();
		await Promise.resolve();
		expect(timer.waiting.map((w) => w.ms)).toEqual([RETENTION_EVERY_MS]);
		timer.fire();
		expect(runs).toBe(2);
		finish!();
		await schedule.idle();
		expect(most).toBe(1);
		schedule.stop();
	});

	test('goes on after a run that failed, and runs no more once stopped', async () => {
		const timer = manualTimer();
		let runs = 0;
		const schedule = scheduleRetention(
			async () => {
				runs += 1;
				throw new Error('the store did not answer');
			},
			{ later: timer.later, every: 1000 }
		);
		await schedule.idle();
		await Promise.resolve();
		expect(timer.waiting.map((w) => w.ms)).toEqual([1000]);
		timer.fire();
		await schedule.idle();
		await Promise.resolve();
		expect(runs).toBe(2);
		schedule.stop();
		timer.fire();
		expect(runs).toBe(2);
	});

	test("a run skipped for another process's lease is tried again as the lease lapses, not a day later", async () => {
		const timer = manualTimer();
		let clock = 1_000_000;
		// When each run says the next is due: the lease held two minutes more; then none;
		// then held past a day; then held until a moment already passed.
		const dues = [clock + 120_000, undefined, clock + 2 * RETENTION_EVERY_MS, clock - 5];
		let runs = 0;
		const schedule = scheduleRetention(async () => dues[runs++], {
			later: timer.later,
			now: () => clock
		});
		await schedule.idle();
		await Promise.resolve();
		expect(timer.waiting.map((w) => w.ms)).toEqual([120_000]);
		clock += 120_000;
		timer.fire();
		expect(runs).toBe(2);
		await schedule.idle();
		await Promise.resolve();
		expect(timer.waiting.map((w) => w.ms)).toEqual([RETENTION_EVERY_MS]);
		timer.fire();
		await schedule.idle();
		await Promise.resolve();
		// Never put off past a day, nor before now.
		expect(timer.waiting.map((w) => w.ms)).toEqual([RETENTION_EVERY_MS]);
		timer.fire();
		await schedule.idle();
		await Promise.resolve();
		expect(timer.waiting.map((w) => w.ms)).toEqual([0]);
		schedule.stop();
	});
});
