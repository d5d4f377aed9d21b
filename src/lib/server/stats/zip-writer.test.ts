import { strFromU8, unzipSync } from 'fflate';
import { expect, test } from 'vitest';
import { ZipWriter } from './zip-writer';

const read = async (zip: Blob) => {
	const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
	return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, strFromU8(bytes)]));
};

test('a ZIP of the files added, in order, their names and text as given', async () => {
	const zip = new ZipWriter(new Date(2026, 10, 21, 14, 30));
	zip.add('blog-pages-2026-11-01-2026-11-30.csv', 'path,visitors\r\n/,3\r\n');
	zip.add('blog-pages-2026-11-01-2026-11-30-page-_café.csv', 'path\r\n/café\r\n');
	const blob = zip.end();
	expect(blob.type).toBe('application/zip');
	const files = await read(blob);
	expect(Object.keys(files)).toEqual([
		'blog-pages-2026-11-01-2026-11-30.csv',
		'blog-pages-2026-11-01-2026-11-30-page-_café.csv'
	]);
	expect(files['blog-pages-2026-11-01-2026-11-30-page-_café.csv']).toBe('path\r\n/café\r\n');
});

test('deflates each file as it is added', async () => {
	const zip = new ZipWriter(new Date());
	const text = 'path,visitors\r\n' + '/same-page,1\r\n'.repeat(10_000);
	zip.add('big.csv', text);
	const blob = zip.end();
	expect(blob.size).toBeLessThan(text.length / 50);
	expect((await read(blob))['big.csv']).toBe(text);
});

test('an empty ZIP is a valid one', async () => {
	expect(await read(new ZipWriter(new Date()).end())).toEqual({});
});
