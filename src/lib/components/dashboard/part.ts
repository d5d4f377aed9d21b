/** A column of a breakdown table: which field, its header, and how to write its values. */
export interface Column {
	key: string;
	label: string;
	/** Default `text`. */
	format?: 'text' | 'count' | 'rate' | 'duration';
}
