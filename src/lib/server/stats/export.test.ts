import { expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import { EXPORTS, parseExportParams } from './export';

const parse = (query: string) => parseExportParams(new URLSearchParams(query));

test.each(Object.keys(EXPORTS))('accepts breakdown=%s', (name) => {
	expect(parse(`breakdown=${encodeURIComponent(name)}`)).toEqual({ name, format: 'csv' });
});

test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', ''])(
	'refuses the inherited or unknown name "%s" with 400',
	(name) => {
		const refused = (() => {
			try {
				return parse(`breakdown=${name}`);
			} catch (e) {
				return e;
			}
		})();
		expect(refused).toBeInstanceOf(CouchstatsError);
		expect(refused).toMatchObject({
			status: 400,
			message: expect.stringMatching(/^breakdown ".*" must be one of timeseries, goals, pages,/)
		});
	}
);
