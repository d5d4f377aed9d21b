import { expect, test } from 'vitest';
import { cleanText, clip, hasNoControl, nameFault, shownPieces } from './text';

test.each([
	['/pricing', true],
	['Café 日本 😀', true],
	['', true],
	['x\u0001y', false],
	['tab\there', false],
	['line\nbreak', false],
	['nul\u0000', false],
	['del\u007f', false],
	['\u0080 is not C0', true]
])('%j is free of control characters: %s', (text, free) => {
	expect(hasNoControl(text)).toBe(free);
});

test.each([
	['x\u0001y', 'x y'],
	['\u0001spring', 'spring'],
	['a\u0000\u001f\u007fb', 'a b'],
	['Sign\r\n\tup', 'Sign up'],
	['  two   spaces  ', 'two spaces'],
	['Café 日本 😀', 'Café 日本 😀'],
	['\u0080 is not C0', '\u0080 is not C0'],
	['\u0000\u0007', '']
])('cleanText(%j) is %j: one line, each control character a space', (text, clean) => {
	expect(cleanText(text)).toBe(clean);
	expect(hasNoControl(cleanText(text))).toBe(true);
	expect(cleanText(clean)).toBe(clean);
});

test.each([
	['x\u0001y', 9, 'x y'],
	['abcdef', 4, 'abcd'],
	// Never a space at the end that the ingest would trim: the tracker classifies what it sends.
	['ab\u0001cd', 3, 'ab'],
	['\u0001\u0002', 9, undefined],
	['', 9, undefined],
	[42, 9, undefined],
	[null, 9, undefined]
])('clip(%j, %i) is %j', (value, max, clipped) => {
	expect(clip(value, max)).toBe(clipped);
});

const HIDES = 'must not contain invisible characters that change how text shows';

test.each([
	['Café 日本 😀', undefined],
	// Persian's zero-width non-joiner, an emoji's joiner: part of the words.
	['می\u200cخواهم', undefined],
	['👩\u200d💻 blog', undefined],
	['tab\there', 'must not contain control characters'],
	// An outside probe: shown as "Café live" to co-owners.
	['Café \u202eevil\u202c', `${HIDES} (U+202E)`],
	['a\u202ab', `${HIDES} (U+202A)`],
	['a\u2066b\u2069', `${HIDES} (U+2066)`],
	['a\u2069', `${HIDES} (U+2069)`],
	['a\u200bb', `${HIDES} (U+200B)`],
	['a\u200eb', `${HIDES} (U+200E)`],
	['a\u200fb', `${HIDES} (U+200F)`],
	['a\u061cb', `${HIDES} (U+061C)`],
	['a\u2028b', `${HIDES} (U+2028)`],
	['a\u2029b', `${HIDES} (U+2029)`],
	['a\u2060b', `${HIDES} (U+2060)`],
	['\ufeffa', `${HIDES} (U+FEFF)`],
	['next\u0085line', `${HIDES} (U+0085)`],
	['sign\u00adup', `${HIDES} (U+00AD)`],
	['a\u200cb', `${HIDES} (U+200C)`],
	['x\u{e0061}', `${HIDES} (U+E0061)`]
])('nameFault(%j) is %j', (name, fault) => {
	expect(nameFault(name)).toBe(fault);
});

test.each([
	['sign up', ['sign up']],
	['', []],
	// The joiners are part of Persian words and emoji sequences: shown as they act.
	['می\u200cخواهم', ['می\u200cخواهم']],
	['👩\u200d💻', ['👩\u200d💻']],
	// An outside probe: read "sign up", and as `email`.
	['\u202epu ngis\u202c', [{ code: 'U+202E' }, 'pu ngis', { code: 'U+202C' }]],
	['\u200bemail\u200b', [{ code: 'U+200B' }, 'email', { code: 'U+200B' }]],
	['\u2069\u202eسنوي', [{ code: 'U+2069' }, { code: 'U+202E' }, 'سنوي']],
	['a\u0085\u2028b\ufeff', ['a', { code: 'U+0085' }, { code: 'U+2028' }, 'b', { code: 'U+FEFF' }]],
	// A second probe: each read as `signup` or `newsletter`.
	['sign\u00adup', ['sign', { code: 'U+00AD' }, 'up']],
	['signup\u2063', ['signup', { code: 'U+2063' }]],
	['signup\u{e0061}\u{e0062}', ['signup', { code: 'U+E0061' }, { code: 'U+E0062' }]],
	['\u3164pro', [{ code: 'U+3164' }, 'pro']],
	['sign\u200cup', ['sign', { code: 'U+200C' }, 'up']],
	['pro\ufe0f', ['pro', { code: 'U+FE0F' }]],
	// What emoji and scripts need stays: presentation, keycaps, joined emoji, tag flags.
	['❤\ufe0f 1\ufe0f\u20e3', ['❤\ufe0f 1\ufe0f\u20e3']],
	['❤\ufe0f\u200d🔥', ['❤\ufe0f\u200d🔥']],
	[
		'🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} scotland',
		['🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} scotland']
	],
	['🏴\u{e0067}\u{e0062}', ['🏴', { code: 'U+E0067' }, { code: 'U+E0062' }]],
	['ᠠ\u180bᠡ', ['ᠠ\u180bᠡ']]
])('shownPieces(%j): each character nameFault refuses by its code', (text, pieces) => {
	expect(shownPieces(text)).toEqual(pieces);
	for (const piece of shownPieces(text)) {
		if (typeof piece === 'string') expect(nameFault(piece)).toBeUndefined();
	}
});
