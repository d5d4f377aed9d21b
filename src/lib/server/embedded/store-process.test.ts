import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { StartupError } from '../errors';
import { builtStoreEntry } from './store-process';

describe('builtStoreEntry', () => {
	let root: string;
	afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

	/** A folder holding `build/` with adapter-node's handler.js and a server chunk folder. */
	function build(withStore: boolean): string {
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-entry-'));
		const chunks = path.join(root, 'build', 'server', 'chunks');
		fs.mkdirSync(chunks, { recursive: true });
		fs.writeFileSync(path.join(root, 'build', 'handler.js'), '');
		if (withStore) {
			fs.mkdirSync(path.join(root, 'build', 'store'));
			fs.writeFileSync(path.join(root, 'build', 'store', 'main.js'), '');
		}
		return chunks;
	}

	test('finds the store beside the handler of the build the chunk is in', () => {
		const chunks = build(true);
		expect(builtStoreEntry(chunks)).toBe(path.join(root, 'build', 'store', 'main.js'));
	});

	test('never runs a store/main.js from above the build: a build without one is an error', () => {
		const chunks = build(false);
		// Planted in a folder above the build.
		fs.mkdirSync(path.join(root, 'store'));
		fs.writeFileSync(path.join(root, 'store', 'main.js'), '');
		expect(() => builtStoreEntry(chunks)).toThrow(StartupError);
		expect(() => builtStoreEntry(chunks)).toThrow(
			`the app's build has no embedded store (${path.join(root, 'build', 'store', 'main.js')})`
		);
	});
});
