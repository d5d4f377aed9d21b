import { expect, test } from 'vitest';
import { attempt } from './form';
import { CouchstatsError, FieldError } from '../errors';

test('a refusal answers which form it is about, and which field when it knows', async () => {
	expect(
		await attempt(() => Promise.reject(new FieldError(409, 'id taken', 'id')), 'create')
	).toMatchObject({ status: 409, data: { form: 'create', field: 'id', message: 'id taken' } });
	const general = await attempt(
		() => Promise.reject(new CouchstatsError(400, 'a site needs at least one owner')),
		'owner:bob'
	);
	expect(general).toMatchObject({
		status: 400,
		data: { form: 'owner:bob', message: 'a site needs at least one owner' }
	});
	expect((general as { data: object }).data).not.toHaveProperty('field');
});

test('a success is the work’s own answer; an internal error stays internal', async () => {
	expect(await attempt(async () => ({ saved: 'Done.' }), 'site')).toEqual({ saved: 'Done.' });
	await expect(attempt(() => Promise.reject(new Error('boom')), 'site')).rejects.toThrow('boom');
});
