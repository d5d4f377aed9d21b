/**
 * An `enhance` callback that leaves keyboard focus where the person was working.
 * SvelteKit's `update()` applies a successful result with `applyAction`, which resets
 * focus to the page's body as a navigation does, so the next Tab started again at "Skip
 * to content", thousands of pixels above the form.
 */
import { tick } from 'svelte';
import type { ActionResult, SubmitFunction } from '@sveltejs/kit';
import { messageId, type FormAnswer } from './form-result';

/** What {@link focusTarget} needs of the DOM (an interface, so tests can fake it). */
interface Focusable {
	isConnected: boolean;
	focus(): void;
}

/**
 * Where focus goes once a result is applied:
 * - a failure about a field (`field`): that field, which its message describes;
 * - else the control that submitted, while it is on the page and enabled;
 * - else (it went with the item it removed) the message answered beside the form or
 *   list the answer names (`form`, {@link messageId}), which has `tabindex="-1"`.
 * Null for a redirect or an error, which navigate.
 * @param find Looks up an element by id (the document's `getElementById`).
 */
export function focusTarget(
	result: ActionResult,
	form: { elements: { namedItem(name: string): unknown } },
	submitter: Focusable | null,
	find: (id: string) => Focusable | null
): Focusable | null {
	if (result.type !== 'success' && result.type !== 'failure') return null;
	const answer = result.data as Partial<FormAnswer> | undefined;
	if (result.type === 'failure' && answer?.field) {
		const field = form.elements.namedItem(answer.field);
		if (isFocusable(field)) return field;
	}
	if (submitter?.isConnected && !(submitter as { disabled?: boolean }).disabled) return submitter;
	return answer?.form ? find(messageId(answer.form)) : null;
}

function isFocusable(element: unknown): element is Focusable {
	return (
		typeof element === 'object' &&
		element !== null &&
		'focus' in element &&
		(element as Focusable).isConnected
	);
}

/**
 * `use:enhance={keepFocus()}`: the default `update()`, then focus where
 * {@link focusTarget} says. The control that submitted is the one that had focus in the
 * form (Enter in a field submits with the form's button as `submitter`, and focus goes
 * back to the field), else the submitter. A failure's message is scrolled into view
 * beside its field, which a tall form could otherwise leave below the window.
 * @param options.reset Whether a success empties the form (default true, as `update`'s).
 */
export function keepFocus(options: { reset?: boolean } = {}): SubmitFunction {
	return ({ formElement, submitter }) => {
		const active = document.activeElement;
		const from = active instanceof HTMLElement && formElement.contains(active) ? active : submitter;
		return async ({ result, update }) => {
			await update({ reset: options.reset ?? true });
			await tick();
			const find = (id: string) => document.getElementById(id);
			focusTarget(result, formElement, from, find)?.focus();
			const answer = result.type === 'failure' ? (result.data as Partial<FormAnswer>) : undefined;
			if (answer?.form) find(messageId(answer.form))?.scrollIntoView({ block: 'nearest' });
		};
	};
}
