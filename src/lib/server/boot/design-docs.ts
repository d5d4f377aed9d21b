/**
 * Reads the design documents from `couchdb/` as raw text. Deploying the files' own
 * text (rather than `String(fn)` of an imported function) matters: Vite, esbuild and
 * rolldown each reprint functions differently, and a design document whose source
 * changes by one space makes CouchDB rebuild every index in it. Reading the text
 * gives the built app, the dev server, tests and command-line tools byte-identical
 * design documents, so switching between them never rebuilds an index.
 *
 * Layout, per database (`couchdb/<db>/`, db being a key of `DbNames`, or `users` for
 * CouchDB's own `_users`):
 * - `views/<name>.js` → view `<name>` of `_design/stats`; the file exports `map`
 *   (an ES5 function CouchDB runs) and `reduce` (`_count`, `_sum` or `_stats`);
 * - `visitor/<name>.js` → view `<name>` of `_design/visitor`, the same way (a design
 *   document of its own, so its index is built and updated apart from the stats views);
 * - `retention/<name>.js` → view `<name>` of `_design/retention` (the scheduled
 *   retention's, likewise apart);
 * - `validate.js` → `_design/validate`; the file exports one function, CouchDB's
 *   `validate_doc_update`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from '../errors';
import type { DbNames } from '../couch';

/** A design document ready for {@link toCouchDesign} in setup.ts. */
export interface DesignSource {
	_id: string;
	language?: string;
	views?: Record<string, { map: string; reduce?: string }>;
	validate_doc_update?: string;
}

/** Reducers that CouchDB computes natively and stores in the B-tree (docs/DESIGN.md §6). */
export const BUILTIN_REDUCERS = ['_count', '_sum', '_stats'] as const;

/** A folder of `couchdb/`: one of the app's databases, or `users` for CouchDB's `_users`. */
export type DesignDb = keyof DbNames | 'users';

const DATABASES: DesignDb[] = ['events', 'sites', 'checkpoints', 'users'];

/** Folders of view files in a database's folder, and the design document each becomes. */
const VIEW_FOLDERS = {
	views: '_design/stats',
	visitor: '_design/visitor',
	retention: '_design/retention'
};

/** The ids of the design documents that can hold views, each an index of its own. */
export const VIEW_DESIGN_IDS = Object.values(VIEW_FOLDERS);

/**
 * The `couchdb/` directory: `configured` (`COUCHSTATS_COUCHDB_DIR`, through the
 * configuration) when given, else the first `couchdb/` with an `events/` folder found
 * walking up from this module (works from `src/` and `build/`) or from the working
 * directory.
 * @throws {Error} when none is found.
 */
export function findCouchdbDir(configured?: string): string {
	if (configured) {
		const dir = path.resolve(configured);
		// A wrong one would deploy no design documents, and every read would fail later.
		if (!fs.existsSync(path.join(dir, 'events'))) {
			throw new StartupError(
				`COUCHSTATS_COUCHDB_DIR ${dir} holds no design documents (no events/ folder)`,
				"point it at couchstats' couchdb/ directory, or unset it to use the one beside the app"
			);
		}
		return dir;
	}
	for (const start of [import.meta.dirname, process.cwd()]) {
		for (let dir = start; dir; dir = path.dirname(dir)) {
			const candidate = path.join(dir, 'couchdb');
			if (fs.existsSync(path.join(candidate, 'events'))) return candidate;
			if (path.dirname(dir) === dir) break;
		}
	}
	throw new Error('cannot find the couchdb/ directory; set COUCHSTATS_COUCHDB_DIR');
}

/**
 * Evaluates a design file's text the way CouchDB will see its functions: each
 * `export const name = …` becomes a property of the result, and functions keep their
 * exact source text. The file must not import anything.
 * @throws {Error} naming the file when it does not evaluate.
 */
export function evaluateDesignFile(text: string, file: string): Record<string, unknown> {
	if (/^\s*import\s/m.test(text)) throw new Error(`${file}: design files cannot import`);
	const body = text.replace(/^export\s+const\s+([A-Za-z_$][\w$]*)\s*=/gm, 'exports.$1 =');
	const exports: Record<string, unknown> = {};
	try {
		new Function('exports', body)(exports);
	} catch (e) {
		throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
	}
	return exports;
}

/** Reads every design document under `dir`, by database. */
export function readDesignDocs(dir: string = findCouchdbDir()): Record<DesignDb, DesignSource[]> {
	const result = {} as Record<DesignDb, DesignSource[]>;
	for (const db of DATABASES) {
		result[db] = [];
		for (const [folder, id] of Object.entries(VIEW_FOLDERS)) {
			const views = readViews(path.join(dir, db, folder));
			if (views) result[db].push({ _id: id, language: 'javascript', views });
		}
		const validateFile = path.join(dir, db, 'validate.js');
		if (fs.existsSync(validateFile)) {
			const exported = Object.values(
				evaluateDesignFile(fs.readFileSync(validateFile, 'utf8'), validateFile)
			).filter((value) => typeof value === 'function');
			if (exported.length !== 1) {
				throw new Error(`${validateFile}: must export exactly one validate_doc_update function`);
			}
			result[db].push({
				_id: '_design/validate',
				language: 'javascript',
				validate_doc_update: String(exported[0])
			});
		}
	}
	return result;
}

/** The views of one folder of view files (`<name>.js` each), or undefined when it has none. */
function readViews(viewsDir: string): DesignSource['views'] {
	const viewFiles = fs.existsSync(viewsDir)
		? fs
				.readdirSync(viewsDir)
				.filter((name) => name.endsWith('.js'))
				.sort()
		: [];
	if (!viewFiles.length) return undefined;
	const views: Record<string, { map: string; reduce?: string }> = {};
	for (const name of viewFiles) {
		const file = path.join(viewsDir, name);
		const { map, reduce } = evaluateDesignFile(fs.readFileSync(file, 'utf8'), file);
		if (typeof map !== 'function') throw new Error(`${file}: exports no map function`);
		if (reduce !== undefined && typeof reduce !== 'string') {
			throw new Error(`${file}: reduce must be the name of a built-in reducer`);
		}
		views[name.slice(0, -3)] = reduce ? { map: String(map), reduce } : { map: String(map) };
	}
	return views;
}
