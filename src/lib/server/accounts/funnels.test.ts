import { describe, expect, test } from 'vitest';
import { parseFunnelForm } from './funnels';

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) data.set(key, value);
	return data;
}

const step = (row: number, kind: string, value: string, prop?: [string, string]) => ({
	[`step${row}.kind`]: kind,
	[`step${row}.value`]: value,
	...(prop ? { [`step${row}.propKey`]: prop[0], [`step${row}.propValue`]: prop[1] } : {})
});

/** What parsing `fields` throws. */
function refusal(fields: Record<string, string | undefined>): unknown {
	try {
		parseFunnelForm(form(fields as Record<string, string>));
	} catch (e) {
		return e;
	}
	return undefined;
}

describe('funnel definitions', () => {
	test('steps in row order, each by the goals’ rule, empty rows skipped, names trimmed', () => {
		const parsed = parseFunnelForm(
			form({
				name: ' Signup ',
				...step(1, 'page', '/'),
				...step(2, 'page', ' '),
				...step(3, 'page', '/pricing*'),
				...step(4, 'event', 'signup', ['plan', 'pro'])
			})
		);
		expect(parsed).toEqual({
			name: 'Signup',
			steps: [
				{ kind: 'page', path: '/' },
				{ kind: 'page', path: '/pricing*' },
				{ kind: 'event', name: 'signup', prop: { key: 'plan', value: 'pro' } }
			]
		});
	});

	test('keeps the id of the funnel being edited', () => {
		const fields = { id: 'ab12cd34', name: 'F', ...step(1, 'page', '/'), ...step(2, 'event', 'x') };
		expect(parseFunnelForm(form(fields)).id).toBe('ab12cd34');
	});

	const nine = Object.assign(
		{},
		...Array.from({ length: 9 }, (_, i) => step(i + 1, 'page', `/p${i}`))
	);
	test.each([
		[{ ...step(1, 'page', '/'), ...step(2, 'page', '/b') }, 'the funnel name is required'],
		[{ name: 'x'.repeat(61), ...step(1, 'page', '/') }, 'the funnel name must be at most 60'],
		[{ name: 'a\tb', ...step(1, 'page', '/') }, 'the funnel name must not contain control'],
		[
			{ name: 'Café \u202eevil\u202c', ...step(1, 'page', '/') },
			'the funnel name must not contain invisible characters that change how text shows (U+202E)'
		],
		[{ name: 'F', ...step(1, 'page', '/') }, 'a funnel needs at least 2 steps'],
		[{ name: 'F', ...nine }, 'a funnel has at most 8 steps'],
		[
			{ name: 'F', ...step(1, 'page', '/'), ...step(2, 'page', 'pricing') },
			'step 2: the page path must start with /'
		],
		[
			{ name: 'F', ...step(1, 'goal', '/'), ...step(2, 'page', '/b') },
			'step 1: a step is an event or a page'
		],
		[
			{ name: 'F', ...step(1, 'page', '/'), ...step(2, 'event', 'signup', ['plan', '']) },
			'step 2: a prop step needs both the prop name and its value'
		]
	])('refuses %o: %s', (fields, message) => {
		expect(refusal(fields)).toMatchObject({
			status: 400,
			message: expect.stringContaining(message)
		});
	});
});

describe('which field a refused funnel is about', () => {
	test.each([
		[{ ...step(1, 'page', '/'), ...step(2, 'page', '/b') }, 'name'],
		// Row 2 is empty, so the form's row 3 is step 2: the field is the row's.
		[{ name: 'F', ...step(1, 'page', '/'), ...step(3, 'page', 'pricing') }, 'step3.value'],
		[{ name: 'F', ...step(1, 'goal', '/'), ...step(2, 'page', '/b') }, 'step1.kind'],
		[
			{ name: 'F', ...step(1, 'page', '/'), ...step(2, 'event', 'signup', ['plan', '']) },
			'step2.propValue'
		],
		[
			{ name: 'F', ...step(1, 'page', '/'), ...step(2, 'event', 'signup', ['', 'pro']) },
			'step2.propKey'
		],
		[{ name: 'F', ...step(1, 'page', '/') }, undefined]
	])('%o: %s', (fields, field) => {
		const error = refusal(fields);
		expect(error).toMatchObject({ status: 400 });
		expect((error as { field?: string }).field).toBe(field);
	});
});
