import { expect, test } from 'vitest';
import { getEntry } from './content';
import { withRetention } from './privacy';

const html = getEntry('page', 'privacy')?.html ?? '';

test.each([
	[
		'a period of 400 days',
		400,
		'Records are deleted once they are 400 days old: couchstats checks as it starts and then every day.'
	],
	['a period of 1 day', 1, 'Records are deleted once they are 1 day old'],
	[
		'no period',
		undefined,
		'Records are kept until this site’s operator deletes them: no retention period is set.'
	]
])('the privacy page says how long records are kept, with %s', (_, days, sentence) => {
	const page = withRetention(html, days);
	expect(page).toContain(`<a href="/your-data">Your data</a>. ${sentence}`);
	expect(page).not.toContain('<!-- retention -->');
});

test('the privacy page says nothing of retention when the store did not answer, rather than something untrue', () => {
	const page = withRetention(html, null);
	expect(page).not.toMatch(/Records are|<!-- retention -->/);
	expect(page).toContain('for at most 13 months');
});
