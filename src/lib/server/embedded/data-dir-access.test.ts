import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { deniedIn } from './data-dir-access';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A data directory holding a store's files, one of them taken from this user by `take`. */
function dataDir(take: (file: string) => void): { dir: string; taken: string } {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-access-'));
	fs.mkdirSync(path.join(dir, 'views'));
	fs.writeFileSync(path.join(dir, 'views', 'CURRENT'), 'MANIFEST-000001\n');
	fs.writeFileSync(path.join(dir, 'couchdb-admin.json'), '{}');
	// Not the store's: a volume's `lost+found`, none of this user's business (review42).
	fs.mkdirSync(path.join(dir, 'lost+found'), { mode: 0o700 });
	const taken = path.join(dir, 'views', '000005.ldb');
	fs.writeFileSync(taken, '');
	take(taken);
	return { dir, taken };
}

test('a data directory this user may use whole denies nothing', () => {
	const made = dataDir(() => {});
	expect(deniedIn(made.dir)).toBeUndefined();
});

/**
 * `deniedIn` as another user sees the directory. Root may write any file whatever its mode:
 * run as root (as here), a file of root's is asked about by an unprivileged user instead,
 * as an outside probe found it (a backup put back by root, the app run as another user).
 */
function deniedAsAnother(dir: string): unknown {
	const tsx = path.join(here, '../../../../node_modules/tsx/dist/esm/index.mjs');
	const script = `import { deniedIn } from ${JSON.stringify(path.join(here, 'data-dir-access.ts'))};
		console.log(JSON.stringify(deniedIn(${JSON.stringify(dir)}) ?? null));`;
	const out = execFileSync(
		process.execPath,
		['--import', tsx, '--input-type=module', '-e', script],
		{
			uid: 65534,
			gid: 65534,
			encoding: 'utf8'
		}
	);
	return JSON.parse(out);
}

test.runIf(process.platform === 'linux')(
	'a file this user cannot write is named, with the error that said so',
	() => {
		if (process.getuid?.() === 0) {
			const made = dataDir((file) => fs.chmodSync(file, 0o644));
			// The other user may enter and read everything, write only what is its own.
			for (const at of [made.dir, path.join(made.dir, 'views')]) fs.chmodSync(at, 0o777);
			for (const file of ['views/CURRENT', 'couchdb-admin.json']) {
				fs.chownSync(path.join(made.dir, file), 65534, 65534);
			}
			expect(deniedAsAnother(made.dir)).toEqual({ path: made.taken, code: 'EACCES' });
			// Given back, the store's entries are all the other user's: root's `lost+found` is
			// no business of the store's.
			fs.chownSync(made.taken, 65534, 65534);
			expect(deniedAsAnother(made.dir)).toBeNull();
		} else {
			const made = dataDir((file) => fs.chmodSync(file, 0o444));
			fs.chmodSync(path.join(made.dir, 'lost+found'), 0);
			expect(deniedIn(made.dir)).toEqual({ path: made.taken, code: 'EACCES' });
			fs.chmodSync(made.taken, 0o644);
			expect(deniedIn(made.dir)).toBeUndefined();
		}
	}
);
