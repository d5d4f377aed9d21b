/**
 * Which views of a design document the engine serves, and the signature of their
 * index. A view is served when the design document's language is JavaScript, its map
 * compiles and its reduce is absent or `_count`, `_sum` or `_stats`; any other view
 * (a JavaScript reduce, another language) is left to express-pouchdb. The signature
 * hashes exactly what the served views' rows depend on, so editing anything else in the
 * design document (a `validate_doc_update`, another view's JS reduce) rebuilds nothing.
 */
import { createHash } from 'node:crypto';
import { reducerOf, type ReducerName } from './reducers';
import { MapCompileError, MapSandbox } from './sandbox';

/** A served view. */
export interface PlannedView {
	name: string;
	map: string;
	reducer: ReducerName;
}

/** What the engine builds for a design document. */
export interface DesignPlan {
	signature: string;
	/** Served views, sorted by name. */
	views: PlannedView[];
	includeDesign: boolean;
}

/** A design document as stored. */
export interface DesignDoc {
	_id: string;
	_deleted?: boolean;
	language?: unknown;
	views?: Record<string, { map?: unknown; reduce?: unknown } | undefined>;
	options?: { include_design?: unknown };
}

/** The served views of a design document (maybe none) and their signature. */
export function planDesign(ddoc: DesignDoc): DesignPlan {
	const language = ddoc.language ?? 'javascript';
	const views: PlannedView[] = [];
	if (language === 'javascript' && ddoc.views && typeof ddoc.views === 'object') {
		for (const name of Object.keys(ddoc.views).sort()) {
			const view = ddoc.views[name];
			if (!view || typeof view.map !== 'string') continue;
			const reducer = reducerOf(view.reduce);
			if (reducer === undefined || !compiles(name, view.map)) continue;
			views.push({ name, map: view.map, reducer });
		}
	}
	const includeDesign = ddoc.options?.include_design === true;
	const signature = createHash('sha256')
		.update(JSON.stringify({ views, includeDesign }))
		.digest('hex')
		.slice(0, 32);
	return { signature, views, includeDesign };
}

function compiles(name: string, map: string): boolean {
	try {
		new MapSandbox([{ name, map }]);
		return true;
	} catch (e) {
		if (e instanceof MapCompileError) return false;
		throw e;
	}
}
