/**
 * The text of a record that a visitor's page wrote (a title, the campaign, an event's
 * name and props, the session's source), as couchstats stores it: cleaned by the one
 * rule for text (`cleanText` in src/lib/text.ts, a control character made a space).
 * The ingest's schemas clean each such field with these functions as a record arrives
 * (schema.ts); a restored export's record, stored before the ingest cleaned, is cleaned
 * by {@link cleanRecordText} (import/restore.ts), so it is the record the ingest would
 * store now, and the events database's `validate_doc_update` may refuse the rest.
 */
import { sourceName } from '../../records';
import { cleanText, hasNoControl } from '../../text';
import { isPlainObject } from './body';

/** Text a page collects as a record holds it: one line ({@link cleanText}), well-formed. */
export function visitorText(s: string): string {
	return cleanText(s).toWellFormed();
}

/**
 * A session's source as a tracker before `cleanText` made it from a mangled link, with
 * control characters (`x\u0001y`): named again by {@link sourceName}, which now makes them
 * `-` as the tracker does (`x-y`), or `(direct)` when nothing is left. The same on every
 * record of the session, as the source it repairs was.
 */
export function repairSource(src: string): string {
	return hasNoControl(src) ? src : (sourceName(src) ?? '(direct)');
}

/**
 * A stored record with its visitor text cleaned as the ingest cleans it: `src` repaired
 * ({@link repairSource}) and, like `title`, each `utm` value, `name`, `browser`, `os`,
 * each prop's name and text value and each name in `propFirstOfSession`/`propFirstOfDay`, made
 * {@link visitorText}. Only strings are touched: a value of another type is left for the
 * store to refuse. Two prop names that clean alike keep the later's value, as the
 * ingest's schema does. A copy; `record` is left as it is.
 */
export function cleanRecordText(record: Record<string, unknown>): Record<string, unknown> {
	const out = { ...record };
	if (typeof out.src === 'string') out.src = visitorText(repairSource(out.src));
	// A browser's and an OS's names: the ingest's come from the user agent, the importer's
	// from a line, which it cleans since 2026-12-06 (copied as given before).
	for (const key of ['title', 'name', 'browser', 'os'] as const) {
		if (typeof out[key] === 'string') out[key] = visitorText(out[key]);
	}
	if (isPlainObject(out.utm)) out.utm = mapEntries(out.utm, (key, value) => [key, textOf(value)]);
	if (isPlainObject(out.props)) {
		out.props = mapEntries(out.props, (key, value) => [visitorText(key), textOf(value)]);
	}
	for (const key of ['propFirstOfSession', 'propFirstOfDay'] as const) {
		const names = out[key];
		if (Array.isArray(names)) out[key] = names.map(textOf);
	}
	return out;
}

function textOf(value: unknown): unknown {
	return typeof value === 'string' ? visitorText(value) : value;
}

function mapEntries(
	object: Record<string, unknown>,
	map: (key: string, value: unknown) => [string, unknown]
): Record<string, unknown> {
	return Object.fromEntries(Object.entries(object).map(([key, value]) => map(key, value)));
}
