import { describe, expect, test } from 'vitest';
import { asciiHost, asciiWords } from './host-names';

describe('host names in another script', () => {
	test.each([
		['bücher.example', 'xn--bcher-kva.example'],
		['Bücher.EXAMPLE', 'xn--bcher-kva.example'],
		['例え.jp', 'xn--r8jz45g.jp'],
		['*.café.example', '*.xn--caf-dma.example'],
		['xn--bcher-kva.example', 'xn--bcher-kva.example'],
		['shop.example', 'shop.example'],
		['bücher', 'xn--bcher-kva'],
		['bücher.example/x', undefined],
		['bücher.example:8080', undefined],
		['a bücher.example', undefined]
	])('%s is sent as %s', (name, ascii) => {
		expect(asciiHost(name)).toBe(ascii);
	});

	test.each([
		['bücher.de', 'xn--bcher-kva.de'],
		['shop bücher.de', 'shop xn--bcher-kva.de'],
		['shop  例え.jp ', 'shop  xn--r8jz45g.jp '],
		['shop.de', undefined],
		['ü/x', undefined]
	])('the search %s also looks for %s', (text, ascii) => {
		expect(asciiWords(text)).toBe(ascii);
	});
});
