/** A widget's data, or why it could not be read (a message fit for the page). */
export type Part<T> = { ok: true; value: T } | { ok: false; message: string };

/** A column of a breakdown table: which field, its header, and how to write its values. */
export interface Column {
	key: string;
	label: string;
	/** Default `text`. */
	format?: 'text' | 'count' | 'rate' | 'duration';
}
