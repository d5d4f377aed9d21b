/**
 * Every view that emits an event's `event:<name>` scope also emits its
 * `prop:<name>|<key>=<value>` scopes (src/lib/stats/filters.ts), so that a prop filter is
 * read from the same views as an event filter. A map function is ES5 text with no shared
 * library (as the `buckets` list, see buckets.test.ts), so each of those views spells out
 * the same block listing an event's prop scopes and first flags: this test keeps the
 * copies identical.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const viewsDir = path.join(import.meta.dirname, 'views');
const texts = Object.fromEntries(
	fs
		.readdirSync(viewsDir)
		.filter((f) => f.endsWith('.js'))
		.map((f) => [f, fs.readFileSync(path.join(viewsDir, f), 'utf8')])
);

/** The block from its comment to the end of its `if`, or undefined. */
function block(text: string): string | undefined {
	const start = text.indexOf('\t// prop:<name>|<key>=<value>, each prop of an event');
	if (start < 0) return undefined;
	const end = text.indexOf('\n\t}\n', start);
	return text.slice(start, end + 3);
}

describe('the prop scopes of the views', () => {
	const withEvent = Object.keys(texts).filter((f) => texts[f].includes("'event:' + doc.name"));

	test('are emitted by every view that emits the event scope, and by no other', () => {
		const withProp = Object.keys(texts).filter((f) => texts[f].includes("'prop:' + doc.name"));
		expect(withProp).toEqual(withEvent);
		expect(withEvent).toEqual([
			'dimensions.js',
			'event-props.js',
			'events.js',
			'metrics.js',
			'pages.js',
			'session-starts.js'
		]);
	});

	test('are listed by one identical block in each of them', () => {
		const blocks = withEvent.map((f) => block(texts[f]));
		expect(blocks[0]).toContain("'prop:' + doc.name + '|' + pk + '=' + String(pv)");
		for (const b of blocks) expect(b).toBe(blocks[0]);
	});
});
