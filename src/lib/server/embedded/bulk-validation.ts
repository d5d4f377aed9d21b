/**
 * `validate_doc_update` for a `_bulk_docs`, checked once per request instead of once
 * per document.
 *
 * express-pouchdb (its `validation` part) installs `pouchdb-validation` on every
 * database it opens; that plug-in wraps `put`, `post`, `remove`, the attachment
 * methods and `bulkDocs`. For every document of a `_bulk_docs` it read all design
 * documents (`allDocs` with `include_docs`), compiled each `validate_doc_update` again,
 * built the user context (`info()`, when the request had none) and read the old
 * document: four reads and a compile per document, which held the store's event loop
 * while an import wrote its batches (views/MEASURED.md, "Reads during an import").
 *
 * Here the same check, for `bulkDocs` only: the design documents are read once per
 * request, each function is compiled once per design document revision (with the
 * plug-in's own compiler, so functions see the same environment), the user context is
 * built once, and the old documents are found from their revision trees, read outside
 * the database's write queue (views/ddocs.ts); only documents that exist are read. What
 * CouchDB does is kept: every document but design and `_local` ones is checked by every
 * function with `(newDoc, oldDoc, userCtx, secObj)`; a refused document gets its own
 * `forbidden` (403) or `unauthorized` (401) entry while the others are written; with
 * `new_edits: false` the answer lists errors only. Design documents are left to the
 * security plug-in, which lets only database admins write them, as before.
 *
 * Two differences from the plug-in: answers come in request order (CouchDB's; the
 * plug-in put refused documents first), and the written document is not changed (the
 * plug-in set its `_revisions` to the old document's, so a replicated revision lost
 * its history, or with an old document present was taken for that one and dropped);
 * the function still sees the old document's `_revisions` on the new one, as before.
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { readRevisionTree } from './views/ddocs';

const require = createRequire(import.meta.url);
// pouchdb-validation's own modules, as it resolves them: the same compiler and errors.
const fromExpressPouch = createRequire(require.resolve('express-pouchdb'));
const validation = fromExpressPouch('pouchdb-validation') as {
	validatingBulkDocs: { _handlers: unknown[] };
};
const fromValidation = createRequire(fromExpressPouch.resolve('pouchdb-validation'));
const couchEval = fromValidation('couchdb-eval') as {
	evaluate(requireContext: unknown, extraVars: object, program: string): ValidateFunction;
	wrapExecutionError(e: unknown): DocError;
};
const PluginError = fromValidation('pouchdb-plugin-error') as new (opts: {
	name: string;
	message: unknown;
	status: number;
}) => DocError;

type Doc = Record<string, unknown> & { _id?: string; _revisions?: unknown };

type ValidateFunction = (
	this: Doc,
	newDoc: Doc,
	oldDoc: Doc | null,
	userCtx: unknown,
	secObj: unknown
) => void;

/** A per-document error, as PouchDB's `bulkDocs` answers one (express-pouchdb maps it). */
interface DocError {
	name: string;
	message: string;
	status: number;
	error: true;
	id?: string;
}

/** What the check needs of a database express-pouchdb opened. */
export interface ValidatedDb {
	type(): string;
	info(): Promise<{ db_name: string }>;
	allDocs(options: {
		startkey: string;
		endkey: string;
		include_docs: true;
	}): Promise<{ rows: { id: string; value: { rev: string }; doc?: Doc }[] }>;
	get(id: string, options?: { revs?: boolean }): Promise<Doc>;
	/** pouchdb-security's: the `_security` object. */
	getSecurity?(): Promise<unknown>;
	_getRevisionTree?(id: string, callback: (error: unknown, tree?: unknown) => void): void;
}

/** The arguments pouchdb-wrappers gives a `bulkDocs` handler. */
interface BulkArgs {
	base: ValidatedDb;
	docs: Doc[];
	options: { new_edits?: boolean; userCtx?: unknown; secObj?: unknown; checkHttp?: boolean };
}

/** The last two arguments of a `validate_doc_update` function. */
interface Context {
	userCtx: unknown;
	secObj: unknown;
}

interface Validator {
	rev: string;
	code: string;
	designDoc: Doc;
	/** The compiled function, or the error compiling it gave. */
	func: ValidateFunction | DocError;
}

/** Compiled functions per database object, by design document id. */
const compiled = new WeakMap<ValidatedDb, Map<string, Validator>>();

/**
 * Makes express-pouchdb check `_bulk_docs` with {@link validateBulk}: after its own
 * wrappers have run on a database, replaces pouchdb-validation's `bulkDocs` handler in
 * place (so it keeps its position after the security check). Databases the plug-in is
 * not on (`_users`, which pouchdb-auth wraps itself) are left as they are.
 */
export function checkBulkDocsOncePerRequest(app: {
	dbWrapper: {
		registerWrapper(wrapper: (name: string, db: unknown, next: () => unknown) => unknown): void;
	};
}): void {
	const theirs = validation.validatingBulkDocs._handlers[0];
	app.dbWrapper.registerWrapper((_name, db, next) => {
		const handlers = (db as { bulkDocs?: { _handlers?: unknown[] } }).bulkDocs?._handlers;
		const at = handlers?.indexOf(theirs) ?? -1;
		if (handlers && at !== -1) handlers[at] = validateBulk;
		return next();
	});
}

/**
 * pouchdb-wrappers' `bulkDocs` handler: checks the documents, writes those that pass
 * through `write` and answers for all of them.
 */
export async function validateBulk(write: () => Promise<unknown[]>, args: BulkArgs) {
	const db = args.base;
	for (const doc of args.docs) doc._id = doc._id || randomUUID();
	if (['http', 'https'].includes(db.type()) && !args.options.checkHttp) return write();
	if (!args.docs.some(isChecked)) return write();
	const validators = await validatorsOf(db);
	if (validators.length === 0) return write();

	// The design documents' read has opened the adapter: revision trees can be read now.
	const [context, old] = await Promise.all([
		contextOf(db, args.options),
		oldDocs(
			db,
			args.docs.filter(isChecked).map((doc) => doc._id!)
		)
	]);
	const docs = args.docs;
	const answers: (DocError | undefined)[] = docs.map((doc) =>
		isChecked(doc) ? check(validators, doc, old.get(doc._id!) ?? null, context) : undefined
	);
	args.docs = docs.filter((_, i) => !answers[i]);
	const refused = answers.filter((answer) => answer !== undefined);
	if (refused.length === 0) return write();
	const written = await write();
	// new_edits: false answers errors only; otherwise one answer per written document.
	if (args.options.new_edits === false || written.length !== args.docs.length) {
		return [...refused, ...written];
	}
	let next = 0;
	return answers.map((answer) => answer ?? written[next++]);
}

/**
 * The user context and security object the functions get, as CouchDB gives them: the
 * request's user (express-pouchdb's session; without one CouchDB's "admin party"
 * context) with the database's name, and the database's security object (express-pouchdb
 * reads it for other routes, not for `_bulk_docs`, so the plug-in passed `{}`).
 */
async function contextOf(db: ValidatedDb, options: BulkArgs['options']): Promise<Context> {
	const [info, secObj] = await Promise.all([db.info(), options.secObj ?? db.getSecurity?.() ?? {}]);
	const user = (options.userCtx ?? { name: null, roles: ['_admin'] }) as Record<string, unknown>;
	return { userCtx: { ...user, db: user.db ?? info.db_name }, secObj };
}

/** Design and `_local` documents are not checked by `validate_doc_update`. */
function isChecked(doc: Doc): boolean {
	const id = String(doc._id);
	return !id.startsWith('_design/') && !id.startsWith('_local');
}

/** The database's `validate_doc_update` functions: one read, compiled once per revision. */
async function validatorsOf(db: ValidatedDb): Promise<Validator[]> {
	const { rows } = await db.allDocs({
		startkey: '_design/',
		endkey: '_design0',
		include_docs: true
	});
	const known = compiled.get(db) ?? new Map<string, Validator>();
	compiled.set(db, known);
	const current: Validator[] = [];
	for (const row of rows) {
		const code = row.doc?.validate_doc_update;
		if (typeof code !== 'string') {
			known.delete(row.id);
			continue;
		}
		let validator = known.get(row.id);
		if (!validator || validator.rev !== row.value.rev || validator.code !== code) {
			validator = { rev: row.value.rev, code, designDoc: row.doc!, func: compile(row.doc!, code) };
			known.set(row.id, validator);
		}
		current.push(validator);
	}
	const ids = new Set(rows.map((row) => row.id));
	for (const id of known.keys()) if (!ids.has(id)) known.delete(id);
	return current;
}

function compile(designDoc: Doc, code: string): ValidateFunction | DocError {
	try {
		return couchEval.evaluate(designDoc, {}, code);
	} catch (e) {
		return e as DocError;
	}
}

/**
 * The current documents of these ids, with `_revisions`, as `get(id, {revs: true})`
 * gives them; absent for a document never written or deleted. Only ids whose revision
 * tree exists are read (on adapters without that read, every id is).
 */
async function oldDocs(db: ValidatedDb, ids: string[]): Promise<Map<string, Doc>> {
	const unique = [...new Set(ids)];
	const trees = await Promise.all(unique.map((id) => readRevisionTree(db, id)));
	const found = await Promise.all(
		unique.map((id, i) => (trees[i] === null ? null : db.get(id, { revs: true }).catch(() => null)))
	);
	const docs = new Map<string, Doc>();
	unique.forEach((id, i) => {
		if (found[i]) docs.set(id, found[i]);
	});
	return docs;
}

/** Runs every function on one document: undefined when it passes, else its error. */
function check(
	validators: Validator[],
	doc: Doc,
	oldDoc: Doc | null,
	context: Context
): DocError | undefined {
	// The plug-in showed the old document's revisions on the new one; the stored one keeps its own.
	const newDoc = { ...doc, _revisions: oldDoc?._revisions };
	try {
		for (const { func, designDoc } of validators) {
			if (typeof func !== 'function') return withId({ ...func }, doc._id!);
			func.call(designDoc, newDoc, oldDoc, context.userCtx, context.secObj);
		}
		return undefined;
	} catch (e) {
		return withId(refusal(e), doc._id!);
	}
}

/** A thrown `{forbidden}` or `{unauthorized}` as CouchDB answers it; anything else a 500. */
function refusal(e: unknown): DocError {
	const thrown = (e ?? {}) as { forbidden?: unknown; unauthorized?: unknown };
	if (typeof thrown.unauthorized !== 'undefined') {
		return new PluginError({ name: 'unauthorized', message: thrown.unauthorized, status: 401 });
	}
	if (typeof thrown.forbidden !== 'undefined') {
		return new PluginError({ name: 'forbidden', message: thrown.forbidden, status: 403 });
	}
	return couchEval.wrapExecutionError(e);
}

function withId(error: DocError, id: string): DocError {
	error.id = id;
	return error;
}
