/**
 * Runs a design document's map functions in a `node:vm` context with CouchDB's map
 * environment (`emit`, `log`, `isArray`, `toJSON`, `sum`), each call bounded in time.
 *
 * The functions are compiled once per design document, into one context, as CouchDB's
 * query server does. Documents cross into the context as one JSON string and are parsed
 * and frozen there (CouchDB seals the document, so one view cannot change what the next
 * sees); emitted keys and values leave as JSON text, which also normalises them as
 * CouchDB stores them (undefined, NaN and ±Infinity become null). No host object is
 * reachable from inside the context.
 *
 * Cost: `vm`'s time limit starts a watchdog per call, so a whole batch runs in one
 * call with a limit of {@link MapLimits.perDocMs} plus a little per document; only a
 * batch that runs out of time is run again one document per call, each with the
 * per-document limit, so one slow document costs at most that limit. A map that throws
 * or runs out of time emits nothing for that document (as in CouchDB: rows emitted
 * before the throw are dropped) and is reported once in {@link MapOutput.errors}.
 *
 * `vm` is not a security boundary: map functions are written by database admins, as in
 * CouchDB; the context keeps honest code from touching the host by accident.
 */
import vm from 'node:vm';

/** A view's map function source. */
export interface MapSource {
	name: string;
	map: string;
}

/** Time limits of map calls. */
export interface MapLimits {
	/** Time one document may take in one map function; default 5000 ms (CouchDB's os_process_timeout). */
	perDocMs?: number;
	/** Extra time a batch call gets per document; default 20 ms. */
	perBatchDocMs?: number;
}

/** What mapping a batch of documents gave. */
export interface MapOutput {
	/**
	 * Per document, per view: the emitted rows as a flat list of JSON texts,
	 * `[key0, value0, key1, value1, …]`.
	 */
	emits: string[][][];
	/** Map calls that threw or ran out of time: document index, view index, message. */
	errors: { doc: number; view: number; message: string }[];
	/** Messages the map functions passed to `log()`. */
	logs: string[];
}

/** A view's map function that does not compile. */
export class MapCompileError extends Error {
	constructor(
		readonly view: string,
		message: string
	) {
		super(`map function of view ${view} does not compile: ${message}`);
		this.name = 'MapCompileError';
	}
}

// Runs inside the context. Every name lives in this function's scope, not on the context's
// global object: node:vm reaches a contextified global through interceptors, which made
// each global lookup (emit, JSON, Math, … per emitted row) cost a call into the host.
// Only `__compile` and `__mapBatch` are globals, called once per map function and batch.
const ENVIRONMENT = `
(function (global) {
	var maps = [];
	var rows = null;
	var logs = [];
	var stringify = JSON.stringify;
	var parse = JSON.parse;
	var freeze = Object.freeze;
	var isFrozen = Object.isFrozen;
	function emit(key, value) {
		var k = stringify(key);
		var v = stringify(value);
		rows.push(k === undefined ? 'null' : k, v === undefined ? 'null' : v);
	}
	function log(message) {
		logs.push(typeof message === 'string' ? message : String(stringify(message)));
	}
	function toJSON(value) {
		return stringify(value);
	}
	function sum(values) {
		var total = 0;
		for (var i = 0; i < values.length; i++) total += values[i];
		return total;
	}
	function seal(value) {
		if (value !== null && typeof value === 'object' && !isFrozen(value)) {
			freeze(value);
			for (var k in value) seal(value[k]);
		}
		return value;
	}
	// CouchDB's map environment, as globals too (a map may reach them through \`this\`).
	global.emit = emit;
	global.log = log;
	global.isArray = Array.isArray;
	global.toJSON = toJSON;
	global.sum = sum;
	global.__compile = function (index, source) {
		var fn = compileMap(emit, log, Array.isArray, toJSON, sum, JSON, Math, Date, Number,
			String, Boolean, Object, Array, RegExp, Error, isFinite, isNaN, parseInt, parseFloat, source);
		if (typeof fn !== 'function') throw new TypeError('not a function');
		maps[index] = fn;
	};
	global.__mapBatch = function (input, only) {
		logs = [];
		var docs = parse(input);
		var emits = [];
		var errors = [];
		for (var d = 0; d < docs.length; d++) {
			var doc = seal(docs[d]);
			var perView = [];
			for (var m = 0; m < maps.length; m++) {
				if (only && only.charCodeAt(m) !== 49) {
					perView.push([]);
					continue;
				}
				rows = [];
				try {
					maps[m](doc);
					perView.push(rows);
				} catch (e) {
					perView.push([]);
					errors.push(d, m, String(e && e.message !== undefined ? e.message : e));
				}
			}
			emits.push(perView);
		}
		rows = null;
		var out = logs;
		logs = [];
		return [emits, errors, out];
	};
})(this);
// A map function's scope: CouchDB's map environment and the usual globals as parameters,
// so the map's own lookups of them are local; nothing of the environment's internals (the
// source comes as an unnamed last argument).
function compileMap(emit, log, isArray, toJSON, sum, JSON, Math, Date, Number,
	String, Boolean, Object, Array, RegExp, Error, isFinite, isNaN, parseInt, parseFloat) {
	return eval(arguments[19]);
}
`;

/** One design document's compiled map functions. */
export class MapSandbox {
	private readonly context: vm.Context;
	private readonly call = new vm.Script('__mapBatch(__input, __only)', {
		filename: 'map-batch.js'
	});
	private readonly perDocMs: number;
	private readonly perBatchDocMs: number;

	/** @throws {MapCompileError} when a map function does not compile to a function. */
	constructor(
		readonly views: MapSource[],
		limits: MapLimits = {}
	) {
		this.perDocMs = limits.perDocMs ?? 5_000;
		this.perBatchDocMs = limits.perBatchDocMs ?? 20;
		this.context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
		vm.runInContext(ENVIRONMENT, this.context);
		views.forEach((view, i) => {
			const source = view.map.trim().replace(/;\s*$/, '');
			try {
				this.context.__source = `(${source})`;
				vm.runInContext(`__compile(${i}, __source)`, this.context, { timeout: this.perDocMs });
			} catch (e) {
				throw new MapCompileError(view.name, (e as Error).message);
			} finally {
				delete this.context.__source;
			}
		});
	}

	/**
	 * Maps a batch of documents, given as JSON texts.
	 * @param views Only these views' map functions run (the others emit nothing); default all.
	 */
	run(docs: string[], views?: readonly number[]): MapOutput {
		if (docs.length === 0) return { emits: [], errors: [], logs: [] };
		// As a string of 0s and 1s: a host array would hand the context the host's Function.
		const only = views && this.views.map((_, view) => (views.includes(view) ? '1' : '0')).join('');
		const limit = this.perDocMs + this.perBatchDocMs * docs.length;
		try {
			return this.runCall(docs, limit, 0, only);
		} catch (e) {
			if (!isTimeout(e)) throw e;
		}
		const out: MapOutput = { emits: [], errors: [], logs: [] };
		docs.forEach((doc, i) => {
			try {
				const one = this.runCall([doc], this.perDocMs, i, only);
				out.emits.push(one.emits[0]);
				out.errors.push(...one.errors);
				out.logs.push(...one.logs);
			} catch (e) {
				if (!isTimeout(e)) throw e;
				out.emits.push(this.views.map(() => []));
				out.errors.push(
					...this.views.flatMap((_, view) =>
						only && only[view] !== '1'
							? []
							: [{ doc: i, view, message: `timed out after ${this.perDocMs} ms` }]
					)
				);
			}
		});
		return out;
	}

	private runCall(
		docs: string[],
		timeout: number,
		firstDoc: number,
		only: string | undefined
	): MapOutput {
		this.context.__input = docs.length === 1 ? `[${docs[0]}]` : `[${docs.join(',')}]`;
		this.context.__only = only ?? null;
		try {
			const [emits, errors, logs] = this.call.runInContext(this.context, { timeout }) as [
				string[][][],
				(number | string)[],
				string[]
			];
			const out: MapOutput = { emits, errors: [], logs: [...logs] };
			for (let i = 0; i < errors.length; i += 3) {
				out.errors.push({
					doc: firstDoc + (errors[i] as number),
					view: errors[i + 1] as number,
					message: String(errors[i + 2])
				});
			}
			return out;
		} finally {
			this.context.__input = undefined;
			this.context.__only = undefined;
		}
	}
}

function isTimeout(e: unknown): boolean {
	return (e as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}
