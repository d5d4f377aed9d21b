import { describe, expect, test } from 'vitest';
import { checkRecord } from './schema';
import { cleanRecordText } from './visitor-text';
import { NOW, oneOfEach } from '../../../../tests/support/ingest-records';

describe('cleanRecordText', () => {
	test("cleans a restored record's page text as the ingest cleans it as it arrives", () => {
		const [pageview, event] = oneOfEach();
		const sent = [
			{
				...pageview,
				title: ' Pricing\u0001plans\t',
				utm: { campaign: 'spring\u0007sale', medium: 'email' },
				src: 'news\u0001letter'
			},
			{
				...event,
				name: 'sign\nup',
				props: { 'plan\u001f': 'pro\u007fmonthly', n: 3, ok: true },
				propFirstOfSession: ['plan\u001f'],
				src: '\u0001'
			}
		];
		for (const doc of sent) {
			const checked = checkRecord(doc, NOW);
			if (!checked.ok) throw new Error(checked.reason);
			expect(cleanRecordText(doc)).toEqual(checked.record);
		}
		expect(cleanRecordText(sent[1])).toMatchObject({
			name: 'sign up',
			props: { plan: 'pro monthly', n: 3, ok: true },
			propFirstOfSession: ['plan'],
			src: '(direct)'
		});
	});

	test('cleans the browser and OS names an earlier importer copied from a line as given', () => {
		const [pageview] = oneOfEach();
		expect(cleanRecordText({ ...pageview, browser: 'Fire\u0007fox', os: '\u0001Linux' })).toEqual({
			...pageview,
			browser: 'Fire fox',
			os: 'Linux'
		});
	});

	test('leaves values that are no text for the store to refuse, and its argument as it was', () => {
		const doc = { name: 7, props: ['a\u0001'], title: null, utm: { source: 1 } };
		expect(cleanRecordText(doc)).toEqual(doc);
		const record = { title: 'a\u0001b' };
		cleanRecordText(record);
		expect(record.title).toBe('a\u0001b');
	});
});
