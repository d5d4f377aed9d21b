import { describe, expect, test } from 'vitest';
import { answerFor, fieldState, itemKey, messageId } from './form-result';

describe('form answers', () => {
	test('an answer is shown only beside the form it names', () => {
		const answer = { form: 'owner-new', message: 'there is no account "bob"', field: 'name' };
		expect(answerFor(answer, 'owner-new')).toBe(answer);
		expect(answerFor(answer, 'site')).toBeUndefined();
		expect(answerFor(null, 'site')).toBeUndefined();
		expect(answerFor(undefined, 'site')).toBeUndefined();
	});

	test('only the field a failure names is invalid, described by the message beside its form', () => {
		const answer = { form: 'create', message: 'a site with id "demo" already exists', field: 'id' };
		expect(fieldState(answer, 'create', 'id')).toEqual({
			'aria-invalid': 'true',
			'aria-describedby': 'form-message-create'
		});
		expect(fieldState(answer, 'create', 'name')).toEqual({});
		expect(fieldState(answer, 'site', 'id')).toEqual({});
		// A success names no invalid field, even with a field.
		expect(fieldState({ form: 'create', saved: 'Done.', field: 'id' }, 'create', 'id')).toEqual({});
	});

	test.each([
		['site', 'form-message-site'],
		[itemKey('owner', 'a.b'), 'form-message-owner-3a-a-2e-b'],
		[itemKey('owner', 'a_b'), 'form-message-owner-3a-a_b'],
		[itemKey('funnel', ''), 'form-message-funnel-3a-']
	])('the message of %j has the id %j (no two keys share one)', (key, id) => {
		expect(messageId(key)).toBe(id);
	});
});
