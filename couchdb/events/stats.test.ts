import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDesignDocs } from '../../src/lib/server/boot/design-docs';

/** docs/DESIGN.md §6: built-in reducers that CouchDB stores in its B-tree. */
const ALLOWED = ['_count', '_sum', '_stats'];
const couchdbDir = path.join(import.meta.dirname, '..');
const viewsDir = path.join(import.meta.dirname, 'views');
const viewFiles = fs.readdirSync(viewsDir).filter((f) => f.endsWith('.js'));
/** Every view file of the events database: the stats views and those of a design document of their own. */
const eventViewFiles = ['views', 'visitor', 'retention'].flatMap((folder) =>
	fs
		.readdirSync(path.join(import.meta.dirname, folder))
		.filter((f) => f.endsWith('.js'))
		.map((f) => path.join(folder, f))
);
const deployed = readDesignDocs(couchdbDir);

describe('the stats design document', () => {
	test('is deployed with one view per file in couchdb/events/views', () => {
		const stats = deployed.events.find((d) => d._id === '_design/stats');
		expect(Object.keys(stats?.views ?? {}).sort()).toEqual(
			viewFiles.map((f) => f.replace(/\.js$/, '')).sort()
		);
	});

	test('every view of every deployed design document reduces with _count, _sum or _stats, but the lookups of the sites database, which reduce not at all (the switcher’s listed view counts)', () => {
		const reducers = Object.entries(deployed).flatMap(([db, docs]) =>
			docs.flatMap((doc) =>
				Object.entries(doc.views ?? {}).map(([name, view]) => [db, name, view.reduce])
			)
		);
		expect(reducers.length).toBeGreaterThan(0);
		for (const [db, name, reduce] of reducers) {
			if (db === 'sites') expect(reduce, name).toBe(name === 'listed' ? '_count' : undefined);
			else expect(ALLOWED, `${db} ${name}`).toContain(reduce);
		}
	});

	const sitesDir = path.join(couchdbDir, 'sites', 'views');
	const sitesFiles = fs.readdirSync(sitesDir).filter((f) => f.endsWith('.js'));
	test.each(sitesFiles)(
		'sites/%s is a plain ES5 map opening with a comment of its key and value',
		async (file) => {
			const module = await import(/* @vite-ignore */ path.join(sitesDir, file));
			expect(module.reduce).toBe(file === 'listed.js' ? '_count' : undefined);
			expect(String(module.map)).toMatch(/^function \(doc\) \{/);
			expect(String(module.map)).not.toMatch(/=>|\blet\b|\bconst\b|`/);
			const text = fs.readFileSync(path.join(sitesDir, file), 'utf8');
			expect(text).toMatch(/^\/\/ key: .+\n(\/\/.*\n)*?\/\/ value: /);
		}
	);

	test.each(eventViewFiles)('%s exports a built-in reduce and a plain ES5 map', async (file) => {
		const module = await import(/* @vite-ignore */ path.join(import.meta.dirname, file));
		expect(ALLOWED).toContain(module.reduce);
		expect(String(module.map)).toMatch(/^function \(doc\) \{/);
		expect(String(module.map)).not.toMatch(/=>|\blet\b|\bconst\b|`/);
	});

	test.each(eventViewFiles)(
		'%s opens with a comment showing the key and value it emits',
		(file) => {
			const text = fs.readFileSync(path.join(import.meta.dirname, file), 'utf8');
			expect(text).toMatch(/^\/\/ key: .+\n(\/\/.*\n)*?\/\/ value: /);
		}
	);
});
