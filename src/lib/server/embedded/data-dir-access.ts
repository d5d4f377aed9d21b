/**
 * Whether this user may use everything a data directory holds. A backup put back in
 * place as another user (`cp -a` as root) keeps its files that user's: the store's
 * databases then fail to open with a stack trace naming no file (an outside operator
 * probe), where one line naming the file tells the operator to give it back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isStoreEntry } from './owner-only';

/** A file or directory this user cannot use, and the error that said so (`EACCES`). */
export interface Denied {
	path: string;
	code: string;
}

/**
 * The first of a data directory's own entries (itself, and the store's entries in it,
 * {@link isStoreEntry}, whole) this user cannot read and write (and enter, a directory),
 * or `undefined` when it may use them all. Other entries are not the store's business.
 */
export function deniedIn(dataDir: string): Denied | undefined {
	const pending = [dataDir];
	for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
		let entries: fs.Dirent[];
		try {
			fs.accessSync(at, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
			entries = fs.readdirSync(at, { withFileTypes: true });
		} catch (e) {
			return { path: at, code: (e as NodeJS.ErrnoException).code ?? 'error' };
		}
		for (const entry of entries) {
			if (at === dataDir && !isStoreEntry(entry.name)) continue;
			const inner = path.join(at, entry.name);
			if (entry.isDirectory()) {
				pending.push(inner);
				continue;
			}
			try {
				fs.accessSync(inner, fs.constants.R_OK | fs.constants.W_OK);
			} catch (e) {
				return { path: inner, code: (e as NodeJS.ErrnoException).code ?? 'error' };
			}
		}
	}
	return undefined;
}
