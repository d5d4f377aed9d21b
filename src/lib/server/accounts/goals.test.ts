import { describe, expect, test } from 'vitest';
import { parseGoalForm } from './goals';

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) data.set(key, value);
	return data;
}

describe('goal definitions', () => {
	test('an event goal, with or without one prop value, trimmed', () => {
		expect(parseGoalForm(form({ kind: 'event', name: ' signup ' }))).toEqual({
			kind: 'event',
			name: 'signup'
		});
		expect(
			parseGoalForm(form({ kind: 'event', name: 'signup', propKey: 'plan', propValue: ' pro' }))
		).toEqual({ kind: 'event', name: 'signup', prop: { key: 'plan', value: 'pro' } });
	});

	test('a page goal, with or without wildcards', () => {
		expect(parseGoalForm(form({ kind: 'page', path: '/thanks' }))).toEqual({
			kind: 'page',
			path: '/thanks'
		});
		expect(parseGoalForm(form({ kind: 'page', path: '/docs/*' }))).toEqual({
			kind: 'page',
			path: '/docs/*'
		});
		expect(parseGoalForm(form({ kind: 'page', path: '/#/app/*' })).kind).toBe('page');
		// As the tracker records the page (an outside review: a goal for /café counted nothing).
		expect(parseGoalForm(form({ kind: 'page', path: '/café/*' }))).toEqual({
			kind: 'page',
			path: '/caf%C3%A9/*'
		});
	});

	test.each([
		[{ kind: 'funnel' }, 'a goal is an event or a page'],
		[{ kind: 'event', name: '  ' }, 'the event name is required'],
		[{ kind: 'event', name: 'x'.repeat(65) }, 'the event name must be at most 64 characters'],
		[{ kind: 'event', name: 'sign\nup' }, 'the event name must not contain control characters'],
		[
			{ kind: 'event', name: 'signup', propKey: 'plan' },
			'a prop goal needs both the prop name and its value'
		],
		[
			{ kind: 'event', name: 'signup', propValue: 'pro' },
			'a prop goal needs both the prop name and its value'
		],
		[{ kind: 'page', path: '' }, 'the page path is required'],
		[{ kind: 'page', path: 'thanks' }, 'the page path must start with /'],
		[{ kind: 'page', path: '/thanks?x=1' }, 'the page path must start with /'],
		[{ kind: 'page', path: '/' + 'x'.repeat(512) }, 'the page path must be at most 512 characters']
	])('refuses %o: %s', (fields, message) => {
		expect(() => parseGoalForm(form(fields as Record<string, string>))).toThrow(message);
		try {
			parseGoalForm(form(fields as Record<string, string>));
		} catch (e) {
			expect((e as { status: number }).status).toBe(400);
		}
	});
});

describe('which field a refused goal is about', () => {
	test.each([
		[{ kind: 'funnel' }, 'kind'],
		[{ kind: 'event', name: '  ' }, 'name'],
		[{ kind: 'event', name: 'signup', propKey: 'plan' }, 'propValue'],
		[{ kind: 'event', name: 'signup', propValue: 'pro' }, 'propKey'],
		[{ kind: 'event', name: 'signup', propKey: 'x'.repeat(200), propValue: 'pro' }, 'propKey'],
		[{ kind: 'event', name: 'signup', propKey: 'plan', propValue: 'a\nb' }, 'propValue'],
		[{ kind: 'page', path: 'thanks' }, 'path']
	])('%o: %s', (fields, field) => {
		expect(() => parseGoalForm(form(fields as Record<string, string>))).toThrow(
			expect.objectContaining({ status: 400, field })
		);
	});
});
