import { expect, test } from 'vitest';
import { exportHref, zipHref } from './export-links';

const query = 'site=blog&from=2026-11-01&to=2026-11-30&tz=UTC&source=(direct)&compare=month';

test('a CSV link names its export, under the page’s query', () => {
	expect(exportHref(query, 'utm.source')).toBe(
		`/api/v1/stats/export?${query}&breakdown=utm.source&format=csv`
	);
});

test('the ZIP link carries the same query and names no export', () => {
	expect(zipHref(query)).toBe(`/api/v1/stats/export?${query}&format=zip`);
});
