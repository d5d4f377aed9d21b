/**
 * The design documents view reads need, without waiting behind the database's writes.
 *
 * Every view read reads its design document (its views may have changed). PouchDB's
 * leveldb adapter runs `get` in one queue with writes, so during an import a read
 * waited for the `_bulk_docs` in progress (measured: median 43 ms, 95th percentile
 * 741 ms, up to 1 s of a dashboard read during a 100k-line import). The revision tree
 * of a document is read outside that queue (`_getRevisionTree`, as PouchDB's own
 * `revsDiff` reads it), and a document's tree changes with every write to it, so a
 * design document read after its tree was seen is still current for as long as the
 * tree reads the same. Anything else (the first read, a changed or missing document)
 * reads the document as before.
 *
 * Reading the tree still cost a view read about 1 ms of the store's CPU (a leveldb read
 * of the document's metadata; 18% of the CPU samples of `limit=0` reads, profiled on a
 * 10k-record store), and a dashboard makes a dozen view reads. The database's update sequence,
 * which PouchDB keeps in memory (`_info`), moves with every write, so while it reads the
 * same as when the tree was last read, the document has not changed either, and the
 * tree is not read again.
 */
import type { DesignDoc } from './design';

/** What the cache needs of a PouchDB database. */
export interface DesignSource {
	get(id: string): Promise<Record<string, unknown>>;
	/** PouchDB's adapter method: the document's revision tree, read without the write queue. */
	_getRevisionTree?(id: string, callback: (error: unknown, tree?: unknown) => void): void;
	/** PouchDB's adapter method: the database's info, `update_seq` kept in memory. */
	_info?(callback: (error: unknown, info?: { update_seq?: unknown }) => void): void;
}

interface Cached {
	/** The revision tree seen before the document was read, as JSON. */
	tree: string;
	doc: DesignDoc;
	/** The database (handle) and its update sequence when the tree was last read. */
	source: DesignSource;
	seq: unknown;
}

export class DesignCache {
	private readonly docs = new Map<string, Cached>();
	/** Databases that answered a read: their adapter is open, so their trees can be read. */
	private readonly open = new Set<string>();

	/**
	 * The design document as it is now.
	 * @throws PouchDB's error (404 for a missing or deleted document).
	 */
	async read(db: string, source: DesignSource, ddocId: string): Promise<DesignDoc> {
		const key = `${db}\u0000${ddocId}`;
		const open = this.open.has(db);
		// Read before the tree: a write after this moves it, and the next read looks again.
		const seq = open ? await updateSeq(source) : undefined;
		const cached = this.docs.get(key);
		if (cached && seq !== undefined && cached.source === source && cached.seq === seq) {
			return cached.doc;
		}
		const tree = open ? await revisionTree(source, ddocId) : undefined;
		if (cached && tree !== undefined && cached.tree === tree) {
			this.docs.set(key, { ...cached, source, seq });
			return cached.doc;
		}
		this.docs.delete(key);
		const doc = (await source.get(ddocId)) as unknown as DesignDoc;
		this.open.add(db);
		if (tree !== undefined) this.docs.set(key, { tree, doc, source, seq });
		return doc;
	}

	/** Forgets a database's documents (it was deleted). */
	forget(db: string): void {
		this.open.delete(db);
		for (const key of this.docs.keys()) if (key.startsWith(`${db}\u0000`)) this.docs.delete(key);
	}
}

/** The database's update sequence, or undefined when the adapter has no `_info`. */
function updateSeq(source: DesignSource): Promise<unknown> {
	const info = source._info;
	if (!info) return Promise.resolve(undefined);
	return new Promise((resolve) => {
		try {
			info.call(source, (error, found) => resolve(error ? undefined : found?.update_seq));
		} catch {
			resolve(undefined);
		}
	});
}

/** The document's revision tree as JSON, or undefined when it cannot be read so. */
async function revisionTree(source: DesignSource, id: string): Promise<string | undefined> {
	const tree = await readRevisionTree(source, id);
	return tree === undefined || tree === null ? undefined : JSON.stringify(tree);
}

/**
 * A document's revision tree, read outside the database's write queue: null when the
 * document was never written (or the tree cannot be read), undefined when the adapter
 * has no such read (then read the document itself). A deleted document has a tree.
 * The adapter must be open: call it after the database answered a read.
 */
export function readRevisionTree(source: DesignSource, id: string): Promise<unknown> {
	const read = source._getRevisionTree;
	if (!read) return Promise.resolve(undefined);
	return new Promise((resolve) => {
		try {
			read.call(source, id, (error, tree) => resolve(error ? null : tree));
		} catch {
			resolve(undefined);
		}
	});
}
