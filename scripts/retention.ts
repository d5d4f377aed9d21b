/**
 * `npm run retention -- --older-than 400d [--dry-run]`
 *
 * Deletes the raw records of every site whose event time is older than the given age
 * (days `d`, weeks `w` or years `y`), in chunks of 500. Counts for the removed period
 * drop to zero; later periods are unchanged (see src/lib/server/import/retention.ts).
 * Then it compacts the events database, so that no earlier revision of a deleted record
 * stays readable (src/lib/server/import/compaction.ts).
 *
 * It also deletes the replication checkpoints not written for 30 days and compacts
 * their database (src/lib/server/ingest/checkpoints.ts), whatever the records' age.
 */
import { connectForScript } from '../src/lib/server/boot/connect';
import type { Couch } from '../src/lib/server/couch';
import { StartupError } from '../src/lib/server/errors';
import { logError } from '../src/lib/server/log';
import {
	countOlderThan,
	deleteOlderThan,
	retentionCutoff
} from '../src/lib/server/import/retention';
import {
	CHECKPOINT_MAX_AGE_DAYS,
	deleteStaleCheckpoints
} from '../src/lib/server/ingest/checkpoints';
import { compactEvents } from '../src/lib/server/import/compaction';
import { RETENTION, storeFailureLine } from '../src/lib/server/import/store-failure';
import { parseCommandLine, usageError, type Tool } from './cli-args';

const TOOL: Tool = {
	name: 'retention',
	usage: [
		'usage: npm run retention -- --older-than AGE [--dry-run]',
		'  Deletes the raw records of every site older than AGE: days, weeks or years, as in',
		'  400d, 52w or 2y, and the replication checkpoints not written for 30 days.',
		'  --dry-run only counts them.'
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
	const cutoff = retentionCutoff(values['older-than'], Date.now());
	if (typeof cutoff !== 'number') {
		usageError(TOOL, `--older-than ${cutoff.refused}`);
	}
	const dryRun = values['dry-run'];
	const connection = await connectForScript(process.env);
	try {
		const { couch, store } = connection;
		console.error(`retention applies to every site in ${store}`);
		await retireRecords(couch, cutoff, dryRun);
		await retireCheckpoints(couch, dryRun);
	} finally {
		await connection.close();
	}
}

async function retireRecords(couch: Couch, cutoff: number, dryRun: boolean) {
	const total = await countOlderThan(couch, cutoff);
	const when = new Date(cutoff).toISOString();
	if (dryRun || total === 0) {
		console.error(
			`${total} records are older than ${when}${dryRun ? ' (dry run: nothing deleted)' : ''}`
		);
		return;
	}
	console.error(`deleting ${total} records older than ${when}`);
	const deleted = await deleteOlderThan(couch, cutoff, (n) => {
		process.stderr.write(`  ${n}/${total} deleted\n`);
	});
	console.error(`deleted ${deleted} records; stats before ${when} now count zero`);
	await compactEvents(couch);
	console.error(
		'compacting the events database: no earlier revision of a deleted record stays readable'
	);
}

async function retireCheckpoints(couch: Couch, dryRun: boolean) {
	const cutoff = Date.now() - CHECKPOINT_MAX_AGE_DAYS * 86_400_000;
	const { total, deleted } = await deleteStaleCheckpoints(couch.checkpoints, cutoff, { dryRun });
	const stale = `${deleted} of ${total} replication checkpoints not written for ${CHECKPOINT_MAX_AGE_DAYS} days`;
	if (dryRun) {
		console.error(`${stale} (dry run: nothing deleted)`);
		return;
	}
	// Every write of a checkpoint is a revision; compaction keeps only the latest.
	await couch.server.db.compact(couch.names.checkpoints);
	console.error(`deleted ${stale}; compacting the checkpoints database`);
}

main().catch((e) => {
	const storeFailed = storeFailureLine(e, RETENTION);
	if (e instanceof StartupError) console.error(e.line);
	else if (storeFailed) console.error(storeFailed);
	else logError('retention', e);
	process.exit(1);
});
