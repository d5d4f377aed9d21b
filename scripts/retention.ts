/**
 * `npm run retention -- --older-than 400d [--dry-run]`
 *
 * Deletes the raw records of every site whose event time is older than the given age
 * (days `d`, weeks `w` or years `y`), in chunks of 500. Counts for the removed period
 * drop to zero; later periods are unchanged (see src/lib/server/import/retention.ts).
 * On Apache CouchDB, compact the events database afterwards to reclaim the disk space.
 */
import { connectForScript } from '../src/lib/server/boot/connect';
import { StartupError } from '../src/lib/server/errors';
import { logError } from '../src/lib/server/log';
import { countOlderThan, deleteOlderThan, parseAge } from '../src/lib/server/import/retention';
import { parseCommandLine, usageError, type Tool } from './cli-args';

const TOOL: Tool = {
	name: 'retention',
	usage: [
		'usage: npm run retention -- --older-than AGE [--dry-run]',
		'  Deletes the raw records of every site older than AGE: days, weeks or years, as in',
		'  400d, 52w or 2y. --dry-run only counts them.'
	].join('\n')
};

async function main() {
	const { values } = parseCommandLine(TOOL, {
		options: {
			'older-than': { type: 'string' },
			'dry-run': { type: 'boolean', default: false }
		}
	});
	if (values['older-than'] === undefined) usageError(TOOL, '--older-than is required');
	const age = parseAge(values['older-than']);
	if (age === undefined) {
		usageError(
			TOOL,
			`--older-than must be a whole number of days, weeks or years, as in 400d, 52w or 2y (got "${values['older-than']}")`
		);
	}
	const cutoff = Date.now() - age;
	const connection = await connectForScript(process.env);
	try {
		const { couch, store } = connection;
		console.error(`retention applies to every site in ${store}`);
		const total = await countOlderThan(couch, cutoff);
		const when = new Date(cutoff).toISOString();
		if (values['dry-run'] || total === 0) {
			console.error(
				`${total} records are older than ${when}${values['dry-run'] ? ' (dry run: nothing deleted)' : ''}`
			);
			return;
		}
		console.error(`deleting ${total} records older than ${when}`);
		const deleted = await deleteOlderThan(couch, cutoff, (n) => {
			process.stderr.write(`  ${n}/${total} deleted\n`);
		});
		console.error(`deleted ${deleted} records; stats before ${when} now count zero`);
	} finally {
		await connection.close();
	}
}

main().catch((e) => {
	if (e instanceof StartupError) console.error(e.line);
	else logError('retention', e);
	process.exit(1);
});
