import { describe, expect, test } from 'vitest';
import type { ActionResult } from '@sveltejs/kit';
import { focusTarget } from './keep-focus';

/** An element as focusTarget sees it. */
const element = (name: string, connected = true, disabled = false) => ({
	name,
	isConnected: connected,
	disabled,
	focus() {}
});

function formOf(...fields: ReturnType<typeof element>[]) {
	return { elements: { namedItem: (name: string) => fields.find((f) => f.name === name) ?? null } };
}

const messages = new Map([['form-message-goals', element('goals message')]]);
const find = (id: string) => messages.get(id) ?? null;

describe('where focus goes after an enhanced form’s result', () => {
	test('a success keeps it on the control that submitted', () => {
		const save = element('save');
		const result: ActionResult = { type: 'success', status: 200, data: { form: 'site' } };
		expect(focusTarget(result, formOf(), save, find)).toBe(save);
	});

	test('a success whose control went with its item goes to the message beside the list', () => {
		const remove = element('remove', false);
		const result: ActionResult = {
			type: 'success',
			status: 200,
			data: { form: 'goals', saved: 'Goal removed.' }
		};
		expect(focusTarget(result, formOf(), remove, find)).toBe(messages.get('form-message-goals'));
		// A control still there but disabled cannot hold focus either.
		expect(focusTarget(result, formOf(), element('remove', true, true), find)).toBe(
			messages.get('form-message-goals')
		);
	});

	test('a failure about a field goes to that field; another one stays on the submitter', () => {
		const name = element('name');
		const add = element('add');
		const failure = (data: Record<string, unknown>): ActionResult => ({
			type: 'failure',
			status: 400,
			data
		});
		const about = failure({ form: 'owner-new', field: 'name', message: 'no account' });
		expect(focusTarget(about, formOf(name), add, find)).toBe(name);
		const general = failure({ form: 'owner:bob', message: 'a site needs at least one owner' });
		expect(focusTarget(general, formOf(name), add, find)).toBe(add);
		// A field the form lacks (the time zone picker's) leaves focus on the submitter.
		const missing = failure({ form: 'site', field: 'timeZone', message: 'bad zone' });
		expect(focusTarget(missing, formOf(name), add, find)).toBe(add);
	});

	test('a redirect or an error moves nothing: the navigation sets focus', () => {
		const add = element('add');
		expect(
			focusTarget({ type: 'redirect', status: 303, location: '/sites' }, formOf(), add, find)
		).toBeNull();
		expect(focusTarget({ type: 'error', error: new Error('x') }, formOf(), add, find)).toBeNull();
	});
});
