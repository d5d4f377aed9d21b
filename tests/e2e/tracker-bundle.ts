/**
 * The tracker's size budget on a built SvelteKit app's client (this app's, or an app
 * that installed `@couchstats/tracker`): what its pages load synchronously for the
 * tracker ≤ 2 KB gzip, the core and PouchDB each in one chunk no route node loads
 * statically, and everything ≤ 40 KB gzip. Sizes are `gzip -9` of the minified files.
 */
import { expect } from './fixtures';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const gzip = (text: string) => zlib.gzipSync(text, { level: 9 }).length;
export const gzipSize = (file: string) => gzip(fs.readFileSync(file, 'utf8'));
/** A string only the PouchDB indexeddb adapter contains. */
export const POUCHDB_MARKER = 'Incorrect adapter: you should specify the "idb" adapter';
/** A string only the tracker core contains (its session key). */
export const CORE_MARKER = 'couchstats:session';
/** A string only the tracker's option check contains (in the app's synchronous entry). */
const ENTRY_MARKER = 'site must be a site id';

export const SYNC_BUDGET = 2048;
/**
 * 41 KB since 2026-12-07: the hand-off between a site's hosts (handoff.ts, about 860 B of
 * the core) with an idle tab's pause and the visitor id's lifetime took the tracker from
 * 40,029 to 41,241 B; what every page loads synchronously stayed 1,198 B.
 */
export const TOTAL_BUDGET = 41 * 1024;

/** Relative files a built ES module imports statically (`import … from`, `export … from`, bare `import`). */
function staticImports(code: string): string[] {
	return [
		...code.matchAll(/\b(?:import|export)\s*(?:[\w${},*\s]+?from\s*)?"(\.{1,2}\/[^"]+\.js)"/g)
	].map((m) => m[1]);
}

/**
 * Checks the budget on a built client's `_app/immutable` folder and logs what it
 * measured, headed by `label`.
 */
export function expectTrackerBudget(immutable: string, label: string): void {
	const text = (file: string) => fs.readFileSync(file, 'utf8');
	const chunks = path.join(immutable, 'chunks');
	const all = fs.readdirSync(chunks).filter((name) => name.endsWith('.js'));
	const core = all.filter((name) => text(path.join(chunks, name)).includes(CORE_MARKER));
	const pouch = all.filter((name) => text(path.join(chunks, name)).includes(POUCHDB_MARKER));
	const size = (names: string[]) =>
		names.reduce((sum, name) => sum + gzipSize(path.join(chunks, name)), 0);
	expect(core).toHaveLength(1);
	expect(pouch).toHaveLength(1);

	/** A route node (layout or page) and every file it imports statically: what loads with it. */
	const closureOf = (node: string) => {
		const closure = new Set([node]);
		for (const file of closure)
			for (const dep of staticImports(text(file)))
				closure.add(path.resolve(path.dirname(file), dep));
		return [...closure];
	};
	const nodes = fs
		.readdirSync(path.join(immutable, 'nodes'))
		.filter((name) => name.endsWith('.js'))
		.map((name) => closureOf(path.join(immutable, 'nodes', name)));
	// Per node, the files it loads synchronously that hold tracker code: the one that
	// imports the core dynamically (the tracker's entry, inlined in the layout node
	// with <Analytics> or in a shared chunk) and the one with the option check. Whole
	// files are counted, so a layout's own markup is counted too: an upper bound.
	const tracked = nodes
		.map((closure) =>
			closure.filter((f) => text(f).includes(core[0]) || text(f).includes(ENTRY_MARKER))
		)
		.filter((files) => files.length);
	const cost = (files: string[]) => files.reduce((n, f) => n + gzipSize(f), 0);
	const worst = tracked.reduce((a, b) => (cost(b) > cost(a) ? b : a), []);
	console.log(
		`${label} (gzip -9): ${tracked.length} of ${nodes.length} route nodes load tracker code synchronously, at most ` +
			`${cost(worst)} B in ${worst.map((f) => `${path.relative(immutable, f)} ${gzipSize(f)} B`).join(', ')} (budget ${SYNC_BUDGET}); ` +
			`lazily loaded: core ${core} ${size(core)} B, deferred with PouchDB ${pouch} ${size(pouch)} B; ` +
			`total ${cost(worst) + size(core) + size(pouch)} B (budget ${TOTAL_BUDGET})`
	);
	expect(tracked.length).toBeGreaterThan(0);
	expect(cost(worst)).toBeLessThanOrEqual(SYNC_BUDGET);
	for (const closure of nodes) {
		expect(closure.filter((f) => text(f).includes(CORE_MARKER))).toEqual([]);
		expect(closure.filter((f) => text(f).includes(POUCHDB_MARKER))).toEqual([]);
	}
	expect(cost(worst) + size(core) + size(pouch)).toBeLessThanOrEqual(TOTAL_BUDGET);
}
