import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
	BUILTIN_REDUCERS,
	evaluateDesignFile,
	findCouchdbDir,
	readDesignDocs
} from './design-docs';

describe('design files', () => {
	test('evaluate to their exports with the functions’ exact source text', () => {
		const text =
			"export const map = function (doc) {\n  emit(doc.x, 1);\n};\nexport const reduce = '_count';\n";
		const exports = evaluateDesignFile(text, 'x.js');
		expect(String(exports.map)).toBe('function (doc) {\n  emit(doc.x, 1);\n}');
		expect(exports.reduce).toBe('_count');
	});

	test('may not import anything, since CouchDB cannot', () => {
		expect(() => evaluateDesignFile("import x from 'y';\nexport const map = x;", 'v.js')).toThrow(
			'v.js: design files cannot import'
		);
	});
});

describe('the design documents in couchdb/', () => {
	const docs = readDesignDocs();

	test('are found from the source tree', () => {
		expect(fs.existsSync(path.join(findCouchdbDir(), 'events'))).toBe(true);
		expect(docs.events.map((d) => d._id)).toContain('_design/validate');
	});

	test('a configured directory without them stops start-up with one line naming COUCHSTATS_COUCHDB_DIR', () => {
		expect(findCouchdbDir(path.dirname(findCouchdbDir()) + '/couchdb')).toBe(findCouchdbDir());
		expect(() => findCouchdbDir('/nonexistent/couchdb')).toThrow(
			expect.objectContaining({
				name: 'StartupError',
				line: "couchstats: COUCHSTATS_COUCHDB_DIR /nonexistent/couchdb holds no design documents (no events/ folder) — point it at couchstats' couchdb/ directory, or unset it to use the one beside the app"
			})
		);
	});

	test('use only built-in reducers, never a JavaScript reduce', () => {
		const views = Object.values(docs)
			.flat()
			.flatMap((d) => Object.entries(d.views ?? {}));
		for (const [name, view] of views) {
			if (view.reduce !== undefined) {
				expect.soft(BUILTIN_REDUCERS, `view ${name}`).toContain(view.reduce);
			}
		}
		expect(views.filter(([, view]) => view.reduce).length).toBeGreaterThan(0);
	});

	test("give the sites database its lookups: a share link's site, an account's sites", () => {
		expect(docs.sites.map((d) => [d._id, Object.keys(d.views ?? {})])).toEqual([
			['_design/stats', ['accounts', 'listed', 'pending', 'search', 'share']]
		]);
	});

	test('have map functions CouchDB can compile', () => {
		for (const doc of Object.values(docs).flat()) {
			for (const [name, view] of Object.entries(doc.views ?? {})) {
				expect(() => new Function('emit', `return (${view.map})`), name).not.toThrow();
			}
		}
	});
});
