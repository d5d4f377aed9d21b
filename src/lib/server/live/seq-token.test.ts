import { expect, test } from 'vitest';
import { SEQ_TOKEN_PATTERN, openSeq, sealSeq } from './seq-token';

test('a sealed sequence opens to itself, and says nothing of it (a new token each time)', () => {
	const seq = '123-g1AAAACbeJzLYWBg4MhgTmHQSklKzi9KdUhJMtJLyszVTUnLT8rO';
	const [a, b] = [sealSeq(seq), sealSeq(seq)];
	expect(a).not.toBe(b);
	for (const token of [a, b]) {
		expect(token).toMatch(SEQ_TOKEN_PATTERN);
		expect(token).not.toContain('123');
		expect(openSeq(token)).toBe(seq);
	}
	expect(openSeq(sealSeq('7'))).toBe('7');
	expect(sealSeq('7')).toMatch(SEQ_TOKEN_PATTERN);
	// Its length does not tell the sequence's order of magnitude.
	expect(sealSeq('7').length).toBe(sealSeq('12345678901234').length);
});

test('a token changed or made up does not open', () => {
	const token = sealSeq('42');
	const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
	for (const other of [flipped, token.slice(0, -1), 'A'.repeat(60), '', '42', 'abc']) {
		expect(openSeq(other)).toBeUndefined();
	}
});
