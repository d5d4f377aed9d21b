/**
 * The outbox's IndexedDB database: its name, and its version kept rising when the clock
 * goes back.
 *
 * The indexeddb adapter opens its database at a version made of the clock
 * (2·10^13 + `Date.now()`, so that each opening may update its indexes), and the outbox
 * opens it for every use (outbox.ts). IndexedDB refuses to open a database at a version
 * lower than its own (`VersionError`), so after the browser's clock was set back every
 * opening failed until the clock passed the last one: records the outbox held waited
 * that long (an outside accuracy check, C7: ten minutes after a clock 10 minutes fast was
 * corrected offline). The adapter also keeps a failed opening for the page's life.
 *
 * So the outbox's openings ask for one more than the version the database has when the
 * clock's is not higher: before each use the version is read from
 * `indexedDB.databases()` (where a browser lacks it, as Firefox before 126 does, nothing
 * changes), and the page's `indexedDB.open`, wrapped for this, raises an opening of that
 * database at a version not above it to it plus one. Openings of any other database go
 * through the wrapper untouched.
 */

/** The outbox's PouchDB database. */
export const OUTBOX_DB = 'couchstats';

/** Its IndexedDB database: PouchDB's prefix, `_pouch_`, and its name. */
export const OUTBOX_IDB = '_pouch_' + OUTBOX_DB;

/** The part of `IDBFactory` used here. */
export interface Factory {
	open(name: string, version?: number): IDBOpenDBRequest;
	databases?(): Promise<IDBDatabaseInfo[]>;
}

/** Reads the database's version again; called before each use of the outbox. */
export type Refresh = () => Promise<void>;

/**
 * Makes `factory`'s openings of the database `name` (its IndexedDB name) rise above its
 * version, and returns what reads that version.
 */
export function keepVersionsRising(factory: Factory, name: string): Refresh {
	/** The highest version of the database seen. */
	let highest = 0;
	const open = factory.open.bind(factory);
	factory.open = (asked, version) => {
		if (asked !== name || version === undefined) {
			return version === undefined ? open(asked) : open(asked, version);
		}
		const request = open(asked, version > highest ? version : highest + 1);
		request.addEventListener('success', () => {
			highest = Math.max(highest, request.result.version);
		});
		return request;
	};
	return async () => {
		const databases = await factory.databases?.().catch(() => []);
		const version = databases?.find((d) => d.name === name)?.version ?? 0;
		highest = Math.max(highest, version);
	};
}
