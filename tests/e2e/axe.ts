/**
 * axe-core in a page: its own bundle evaluated through the browser's protocol (the app's
 * Content-Security-Policy refuses an added script tag), then run over the page as it shows now.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { Result } from 'axe-core';

const AXE = readFileSync(
	path.resolve(import.meta.dirname, '..', '..', 'node_modules', 'axe-core', 'axe.min.js'),
	'utf8'
);

/** The violations of the rules or tags `runOnly` axe finds on `page` as it shows now. */
export async function axeViolations(page: Page, runOnly: string[]): Promise<Result[]> {
	await page.evaluate(AXE);
	return page.evaluate(async (only) => {
		const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
		return JSON.parse(JSON.stringify((await axe.run(document, { runOnly: only })).violations));
	}, runOnly);
}
