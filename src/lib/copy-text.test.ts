import { describe, expect, test } from 'vitest';
import { copyText, type CopyEnvironment } from './copy-text';

/** A fake page: records what was written, selected and copied. */
function fakePage(clipboard: 'grants' | 'refuses' | 'absent', legacyCopy: boolean | 'throws') {
	const seen = { written: [] as string[], selected: 0, legacy: 0 };
	const env: CopyEnvironment = {
		clipboard:
			clipboard === 'absent'
				? undefined
				: {
						writeText: async (text) => {
							if (clipboard === 'refuses') throw new DOMException('denied', 'NotAllowedError');
							seen.written.push(text);
						}
					},
		select: () => void seen.selected++,
		copySelection: () => {
			seen.legacy++;
			if (legacyCopy === 'throws') throw new Error('not supported');
			return legacyCopy;
		}
	};
	return { env, seen };
}

describe('copyText', () => {
	test('writes through the Clipboard API when the browser allows it, selecting nothing', async () => {
		const { env, seen } = fakePage('grants', true);
		expect(await copyText('<script>', env)).toBe('copied');
		expect(seen).toEqual({ written: ['<script>'], selected: 0, legacy: 0 });
	});

	test.each([['refuses'], ['absent']] as const)(
		'falls back to selecting the snippet and the copy command when the Clipboard API %s',
		async (clipboard) => {
			const { env, seen } = fakePage(clipboard, true);
			expect(await copyText('x', env)).toBe('copied');
			expect(seen).toEqual({ written: [], selected: 1, legacy: 1 });
		}
	);

	test.each([[false], ['throws']] as const)(
		'leaves the snippet selected when the copy command also fails (%s)',
		async (legacy) => {
			const { env, seen } = fakePage('refuses', legacy);
			expect(await copyText('x', env)).toBe('selected');
			expect(seen.selected).toBe(1);
		}
	);
});
