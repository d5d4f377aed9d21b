import { afterEach, describe, expect, test, vi } from 'vitest';
import { stringify } from './json.ts';
import { readJson, writeJson, memoryStore } from './storage.ts';

const value = { new_edits: false, docs: [{ _id: 'a', props: { n: 1, ok: true } }], sent: 900 };

describe('stringify', () => {
	afterEach(() => {
		vi.restoreAllMocks();
		delete (Array.prototype as { toJSON?: unknown }).toJSON;
		delete (Object.prototype as { toJSON?: unknown }).toJSON;
	});

	test('writes arrays and objects as JSON on a page whose Prototype.js gave arrays a toJSON, and puts that toJSON back', () => {
		// An outside probe: every array became a string, and the ingest refused every request.
		const toJSON = function (this: unknown[]) {
			return '[' + this.map(String).join(', ') + ']';
		};
		Object.defineProperty(Array.prototype, 'toJSON', {
			value: toJSON,
			writable: true,
			configurable: true
		});
		expect(JSON.parse(JSON.stringify(value)).docs).toBe('[[object Object]]');
		expect(JSON.parse(stringify(value))).toEqual(value);
		expect((Array.prototype as { toJSON?: unknown }).toJSON).toBe(toJSON);
		// The state the tracker keeps (journals, sessions) too.
		const store = memoryStore();
		writeJson(store, 'k', [1, 2]);
		expect(readJson(store, 'k')).toEqual([1, 2]);
	});

	test('leaves a toJSON of every object aside too, and puts it back', () => {
		(Object.prototype as { toJSON?: unknown }).toJSON = () => 'x';
		expect(JSON.parse(stringify(value))).toEqual(value);
		expect(({} as { toJSON: () => string }).toJSON()).toBe('x');
	});

	test('says once in the console that the page replaced JSON.stringify', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const native = JSON.stringify;
		vi.spyOn(JSON, 'stringify').mockImplementation((v) => native(v));
		stringify(value);
		stringify(value);
		expect(warn.mock.calls).toEqual([
			[
				'couchstats:',
				"this page replaced JSON.stringify, which the tracker's records are written with; if the ingest refuses them, this is why"
			]
		]);
	});
});
