/** Types of the parts of pouchdb-collate (CouchDB collation as used by PouchDB) used here. */
declare module 'pouchdb-collate' {
	/** Compares two keys in CouchDB view collation order (negative, 0, positive). */
	export function collate(a: unknown, b: unknown): number;
	/** A string whose code-unit order is the collation order of the keys. */
	export function toIndexableString(key: unknown): string;
	/** The key an indexable string was made from (negative fractions come back rounded). */
	export function parseIndexableString(text: string): unknown;
	/** The key as collation sees it (undefined, NaN and ±Infinity become null). */
	export function normalizeKey<T>(key: T): T;
}
