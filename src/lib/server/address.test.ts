import { describe, expect, it } from 'vitest';
import { controlCharacterIn } from './address';

const at = (address: string) => controlCharacterIn(new URL(address, 'http://localhost'));

describe('controlCharacterIn', () => {
	it('passes addresses without a control character', () => {
		expect(at('/sites/alpha?tz=Europe/Paris&page=/caf%C3%A9&q=a+b')).toBeUndefined();
		expect(at('/share/shr_abc/funnels?funnel=f1%20x')).toBeUndefined();
		expect(at('/sites/a%2500b')).toBeUndefined();
	});

	it('refuses one in a parameter value or name, naming its code point', () => {
		expect(at('/sites/alpha?tz=%00')).toMatchObject({
			status: 400,
			message: expect.stringContaining('(U+0000)')
		});
		expect(at('/sites?q=a%0Ab')?.message).toContain('(U+000A)');
		expect(at('/api/v1/stats?site=a&x%1F=1')?.message).toContain('(U+001F)');
		expect(at('/sites?q=%7F')?.message).toContain('(U+007F)');
	});

	it('refuses one in the path, in either case of its escape', () => {
		expect(at('/sites/al%00pha')?.message).toContain('(U+0000)');
		expect(at('/sites/al%1fpha')?.message).toContain('(U+001F)');
		expect(at('/sites/al%7Fpha')?.message).toContain('(U+007F)');
	});
});
