import { expect, test } from 'vitest';
import { eventName, eventProps } from './props.ts';

test.each([
	['  Sign   up ', 'Sign up'],
	['', undefined],
	['   ', undefined],
	[42, undefined],
	['x'.repeat(64), 'x'.repeat(64)],
	['x'.repeat(65), undefined]
])('eventName(%j) is %j', (input, expected) => {
	expect(eventName(input)).toBe(expected);
});

test.each([
	['e\u0007vt', 'e vt'],
	['sign\u0000up', 'sign up'],
	['\u001f signup \u007f', 'signup'],
	['\u0001', undefined]
])(
	'eventName(%j) makes control characters spaces: %j, which the ingest stores',
	(input, expected) => {
		expect(eventName(input)).toBe(expected);
	}
);

test('eventProps makes control characters in names and values spaces, and drops a prop left empty', () => {
	expect(
		eventProps({ k: 'v\u0000w', 'a\u001fb': 'x', text: 'Sign\u000bup\u0007', nul: '\u0000' })
	).toEqual({
		k: 'v w',
		'a b': 'x',
		text: 'Sign up'
	});
});

test('eventProps keeps strings, finite numbers and booleans, and drops the rest', () => {
	expect(
		eventProps({
			plan: ' pro ',
			seats: 3,
			yearly: false,
			nan: NaN,
			obj: { a: 1 },
			nil: null,
			empty: '  ',
			long: 'y'.repeat(300)
		})
	).toEqual({ plan: 'pro', seats: 3, yearly: false, long: 'y'.repeat(256) });
});

test('eventProps keeps at most 16 props and returns undefined for nothing usable', () => {
	const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
	expect(Object.keys(eventProps(many) ?? {})).toHaveLength(16);
	expect(eventProps({ a: undefined })).toBeUndefined();
	expect(eventProps('nope')).toBeUndefined();
});

test('eventProps leaves out the prop names the ingest refuses', () => {
	const props = JSON.parse('{"__proto__":"a","constructor":"b","prototype":"c","plan":"pro"}');
	expect(eventProps(props)).toEqual({ plan: 'pro' });
});
