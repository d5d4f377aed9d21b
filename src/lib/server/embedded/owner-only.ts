import fs from 'node:fs';
import path from 'node:path';

/** The store's folders in the data dir: PouchDB's databases and the view engine's indexes. */
export const STORE_DIRS = { documents: 'db', views: 'views' } as const;

/**
 * Whether `name`, an entry of the data directory, is the store's own: its folders and
 * its `couchdb-*` files. The directory may hold other files of its owner's, or of the
 * system's (`lost+found` at a volume's root).
 */
export function isStoreEntry(name: string): boolean {
	return (Object.values(STORE_DIRS) as string[]).includes(name) || name.startsWith('couchdb-');
}

/**
 * Makes every file and folder this process creates from now on its owner's only (the
 * process umask). Set before the data directory is first touched: taking its lock
 * rewrites the lock's leveldb log even when another process holds it, and a tool run
 * beside the app (`npm run import`, an outside probe) left that log 0644.
 */
export function createOwnerOnly(): void {
	process.umask(process.umask(0o077) | 0o077);
}

/**
 * Keeps the data directory readable by its owner only: it holds the admin password, the
 * cookie secret and every account's password hash. The process umask covers all the
 * store creates from now on (leveldb's new tables and logs, the config express-pouchdb
 * rewrites); what exists is tightened on every start (0700 folders, 0600 files).
 */
export function keepOwnerOnly(dataDir: string): void {
	createOwnerOnly();
	const tighten = (entry: string) => {
		const stat = fs.lstatSync(entry, { throwIfNoEntry: false });
		if (!stat || stat.isSymbolicLink()) return;
		fs.chmodSync(entry, stat.isDirectory() ? 0o700 : 0o600);
		if (stat.isDirectory() && entry !== dataDir) {
			for (const name of fs.readdirSync(entry)) tighten(path.join(entry, name));
		}
	};
	tighten(dataDir);
	for (const name of fs.readdirSync(dataDir)) {
		if (isStoreEntry(name)) tighten(path.join(dataDir, name));
	}
}
