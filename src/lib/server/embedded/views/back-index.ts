/**
 * The back-index: what each document emitted, per view, so that a batch can take its
 * rows away again when the document changes or goes (batch.ts), and rows can be made for
 * a view that keeps none (rows.ts). A text says which of two forms it is in:
 *
 * - **the document form** `{"h":[view, hash, view, hash, …],"d":<document>}`: the document
 *   as it was mapped, and a hash of the rows each view emitted for it. What it emitted is
 *   the map functions run on it again. A map must be a pure function of the document, as
 *   CouchDB requires; the hashes check it: a view whose rows come out other than they
 *   went in throws {@link ImpureMapError}, and the engine builds the index again in the
 *   rows form (engine.ts). A record of the app is about 430 bytes of JSON and emits about
 *   80 rows, 2.8 KB of text: the rows form was most of what a catch-up wrote.
 * - **the rows form** `[[view, key, value, key, value, …], …]`: the rows themselves. Written
 *   for a document a map function failed on (a throw or a time-out is no function of the
 *   document alone), by an index rebuilt after an impure map (`backIndex: 'rows'`), and by
 *   every index made before 2026-12-06, whose texts stay readable as they are.
 */
import type { MapSandbox } from './sandbox';

/** What one document emitted: `[view, [key, value, key, value, …] as JSON texts]` per view that emitted. */
export type Emitted = [view: number, flat: string[]][];

/** A view's map function gave a document other rows than when it was indexed. */
export class ImpureMapError extends Error {
	constructor(
		readonly view: string,
		readonly docId: string
	) {
		super(
			`map function of view ${view} is not a pure function of the document: ` +
				`document ${JSON.stringify(docId)} emits other rows than when it was indexed`
		);
		this.name = 'ImpureMapError';
	}
}

/**
 * The back-index text of a document that emitted `perView` (the sandbox's rows of each
 * view): in the document form when `doc` (the document's JSON text, as mapped) is
 * given, else in the rows form.
 */
export function backIndexText(perView: readonly string[][], doc?: string): string {
	const parts: string[] = [];
	if (doc === undefined) {
		perView.forEach((flat, view) => {
			if (flat.length) parts.push(`[${view},${flat.join(',')}]`);
		});
		return `[${parts.join(',')}]`;
	}
	perView.forEach((flat, view) => {
		if (flat.length) parts.push(`${view},${rowsHash(flat)}`);
	});
	return `{"h":[${parts.join(',')}],"d":${doc}}`;
}

/**
 * What documents emitted, from their back-index texts: those in the document form mapped
 * again, all in one sandbox call (the caller bounds how many), their logs dropped.
 * @param wanted The views wanted (default: all); the others are left out, and are not run.
 * @throws {ImpureMapError} when a document's rows in a wanted view are not those it was indexed with.
 */
export function emittedOf(
	sandbox: MapSandbox,
	entries: readonly (readonly [docId: string, text: string])[],
	wanted?: (view: number) => boolean
): Emitted[] {
	const out: Emitted[] = new Array(entries.length);
	const docs: string[] = [];
	const hashes: number[][] = [];
	const at: number[] = [];
	entries.forEach(([, text], i) => {
		if (text.charCodeAt(0) === 91 /* [ */) {
			out[i] = parseRows(text, wanted);
			return;
		}
		// `{"h":[…],"d":<document>}`: the hashes hold only numbers, so the first `],"d":` ends them.
		const end = text.indexOf('],"d":');
		hashes.push(JSON.parse(text.slice(5, end + 1)) as number[]);
		docs.push(text.slice(end + 6, -1));
		at.push(i);
	});
	if (docs.length === 0) return out;
	const views = sandbox.views.map((_, view) => view).filter((view) => !wanted || wanted(view));
	const mapped = sandbox.run(docs, views.length < sandbox.views.length ? views : undefined);
	for (const error of mapped.errors) {
		throw new ImpureMapError(sandbox.views[error.view].name, entries[at[error.doc]][0]);
	}
	for (let d = 0; d < docs.length; d++) {
		const stored = new Map<number, number>();
		for (let i = 0; i < hashes[d].length; i += 2) stored.set(hashes[d][i], hashes[d][i + 1]);
		const emitted: Emitted = [];
		for (const view of views) {
			const flat = mapped.emits[d][view];
			const hash = stored.get(view);
			if (flat.length === 0 && hash === undefined) continue;
			if (flat.length === 0 || hash !== rowsHash(flat)) {
				throw new ImpureMapError(sandbox.views[view].name, entries[at[d]][0]);
			}
			emitted.push([view, flat]);
		}
		out[at[d]] = emitted;
	}
	return out;
}

/** The rows form's text parsed, its keys and values as JSON texts again. */
function parseRows(text: string, wanted?: (view: number) => boolean): Emitted {
	const out: Emitted = [];
	for (const [view, ...rest] of JSON.parse(text) as unknown[][]) {
		if (wanted && !wanted(view as number)) continue;
		out.push([view as number, rest.map((part) => JSON.stringify(part) ?? 'null')]);
	}
	return out;
}

/**
 * A 32-bit FNV-1a hash of a view's rows (their JSON texts, each ended by a byte no JSON
 * text holds unescaped): a few microseconds for a record's rows.
 */
export function rowsHash(flat: readonly string[]): number {
	let hash = 0x811c9dc5;
	for (let t = 0; t < flat.length; t++) {
		const text = flat[t];
		for (let i = 0; i < text.length; i++) {
			hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
		}
		hash = Math.imul(hash ^ 0x1f, 0x01000193);
	}
	return hash >>> 0;
}
