/**
 * The contract between a page's form actions and its forms. Every answer names the form
 * it is about (`form`, a key the page gives each form or list), so the page shows its
 * message beside that form, not at the top of the page; a failure also names the field
 * it is about when it knows it (`field`, the field's `name`), so that field is marked.
 */
import type { Phrase } from '$lib/text';

/** What an action answers about one form; a success may carry more (a new token). */
export interface FormAnswer {
	/** The key of the form or list the answer is about, e.g. `site`, `owners`. */
	form: string;
	/** A failure's message, safe to show. */
	message?: string;
	/** The `name` of the field a failure is about. */
	field?: string;
	/** A success's confirmation: a text, or a line quoting what the user wrote (a goal's event). */
	saved?: string | Phrase;
}

/**
 * The id of the message shown beside the form `key`. Characters other than letters,
 * digits and `_` are escaped as `-hex-`, so two keys never share an id.
 */
export function messageId(key: string): string {
	return `form-message-${key.replace(/[^A-Za-z0-9_]/gu, (c) => `-${c.codePointAt(0)!.toString(16)}-`)}`;
}

/** `answer` (a page's `form` prop) when it is about the form `key`, else undefined. */
export function answerFor(answer: unknown, key: string): FormAnswer | undefined {
	if (typeof answer !== 'object' || answer === null) return undefined;
	return (answer as Partial<FormAnswer>).form === key ? (answer as FormAnswer) : undefined;
}

/**
 * The attributes of the field `name` of the form `key`: when `answer` is a failure
 * about that field, `aria-invalid` and `aria-describedby` naming the message beside the
 * form; else none. Spread them on the field: `<input {...fieldState(form, key, 'name')}>`.
 */
export function fieldState(
	answer: unknown,
	key: string,
	name: string
): { 'aria-invalid'?: 'true'; 'aria-describedby'?: string } {
	const shown = answerFor(answer, key);
	if (shown?.message === undefined || shown.field !== name) return {};
	return { 'aria-invalid': 'true', 'aria-describedby': messageId(key) };
}

/** The key of the form of one item of a list, e.g. `owner:bob` for bob's Remove. */
export function itemKey(list: string, id: string): string {
	return `${list}:${id}`;
}
