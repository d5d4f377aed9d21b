import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { logErased, readErased } from './erasure-log';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempLog(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'erasure-log-'));
	dirs.push(dir);
	return path.join(dir, 'erased.jsonl');
}

test("an erasure logged after a write a crash cut short (no newline) is read: only the cut one's ids are lost", async () => {
	const log = tempLog();
	await logErased(log, 'blog', ['a1', 'a2'], 0);
	// The process stopped in the middle of the next append: part of a line, no newline.
	const cut = JSON.stringify({ at: new Date(0).toISOString(), site: 'blog', ids: ['b1', 'b2'] });
	fs.appendFileSync(log, cut.slice(0, cut.indexOf('b2')));
	await logErased(log, 'blog', ['c1', 'c2'], 1);

	const { ids, skipped } = await readErased(log);
	expect(ids.sort()).toEqual(['a1', 'a2', 'c1', 'c2']);
	expect(skipped).toBe(1);
});
