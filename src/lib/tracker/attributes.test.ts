import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { SCRIPT_ATTRIBUTES } from './attributes.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** `data-time-zone` → `timeZone`, as `dataset` names it. */
const datasetKey = (name: string) =>
	name.slice(5).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

test('the standalone loader and core read every listed attribute, and no other', () => {
	// The loader reads the page view's (`data-not-found`, `data-hash-routing`), the core the rest.
	const code = ['standalone.ts', 'loader.ts']
		.map((file) => read(`src/lib/tracker/${file}`))
		.map((source) => source.slice(source.indexOf('*/') + 2).replaceAll('script.dataset', 'data'))
		.join('\n');
	// `data.maxWait`, `'hashRouting' in data`, and the spread `...(data as { site: string; … })`.
	const spread = /\.\.\.\(data as \{([^}]*)\}\)/.exec(code)?.[1] ?? '';
	const keys = new Set([
		...[...code.matchAll(/data\.(\w+)|'(\w+)' in data/g)].map((m) => m[1] ?? m[2]),
		...[...spread.matchAll(/(\w+)\??:/g)].map((m) => m[1])
	]);
	expect([...keys].sort()).toEqual(SCRIPT_ATTRIBUTES.map((a) => datasetKey(a.name)).sort());
});

test('the README names every attribute', () => {
	const readme = read('README.md');
	expect(SCRIPT_ATTRIBUTES.filter((a) => !readme.includes('`' + a.name))).toEqual([]);
});
