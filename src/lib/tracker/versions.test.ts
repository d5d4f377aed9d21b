import { expect, test } from 'vitest';
import { keepVersionsRising, OUTBOX_IDB, type Factory } from './versions.ts';

/** An IndexedDB factory that keeps each database's version and refuses a lower one, as IndexedDB does. */
function fakeFactory(databases?: 'none') {
	const versions = new Map<string, number>();
	const asked: [string, number | undefined][] = [];
	const factory: Factory = {
		open(name, version) {
			asked.push([name, version]);
			const request = new EventTarget() as IDBOpenDBRequest & { result: { version: number } };
			const current = versions.get(name) ?? 0;
			queueMicrotask(() => {
				if (version !== undefined && version < current) {
					request.dispatchEvent(new Event('error'));
					return;
				}
				const opened = version ?? Math.max(current, 1);
				versions.set(name, opened);
				Object.defineProperty(request, 'result', { value: { version: opened } });
				request.dispatchEvent(new Event('success'));
			});
			return request;
		}
	};
	if (databases !== 'none') {
		factory.databases = async () =>
			[...versions].map(([name, version]) => ({ name, version }) as IDBDatabaseInfo);
	}
	const opened = (name: string, version?: number) =>
		new Promise<number | 'refused'>((resolve) => {
			const request = factory.open(name, version);
			request.addEventListener('success', () => resolve(request.result.version));
			request.addEventListener('error', () => resolve('refused'));
		});
	return { factory, versions, asked, opened };
}

test('after the clock is set back, the outbox database opens one version above its own', async () => {
	const { factory, versions, asked, opened } = fakeFactory();
	versions.set(OUTBOX_IDB, 20_001_000);
	const refresh = keepVersionsRising(factory, OUTBOX_IDB);
	await refresh();
	// A clock behind the database's last opening: one above it instead.
	expect(await opened(OUTBOX_IDB, 20_000_500)).toBe(20_001_001);
	expect(await opened(OUTBOX_IDB, 20_000_600)).toBe(20_001_002);
	// Once the clock is past it, the version asked for.
	expect(await opened(OUTBOX_IDB, 20_002_000)).toBe(20_002_000);
	// Another database, or an opening without a version, as asked.
	versions.set('other', 30_000_000);
	expect(await opened('other', 20_000_000)).toBe('refused');
	expect(await opened(OUTBOX_IDB)).toBe(20_002_000);
	expect(asked.slice(-2)).toEqual([
		['other', 20_000_000],
		[OUTBOX_IDB, undefined]
	]);
});

test("reads the version again before each use, so another tab's openings count", async () => {
	const { factory, versions, opened } = fakeFactory();
	const refresh = keepVersionsRising(factory, OUTBOX_IDB);
	await refresh();
	expect(await opened(OUTBOX_IDB, 20_000_100)).toBe(20_000_100);
	versions.set(OUTBOX_IDB, 20_000_900);
	await refresh();
	expect(await opened(OUTBOX_IDB, 20_000_200)).toBe(20_000_901);
});

test('without indexedDB.databases(), a refused opening is what it was (no worse)', async () => {
	const { factory, versions, opened } = fakeFactory('none');
	versions.set(OUTBOX_IDB, 20_001_000);
	const refresh = keepVersionsRising(factory, OUTBOX_IDB);
	await refresh();
	expect(await opened(OUTBOX_IDB, 20_000_500)).toBe('refused');
});
