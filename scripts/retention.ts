/**
 * `npm run retention -- --older-than 400d [--dry-run]`
 *
 * Deletes raw records whose event time is older than the given age (days `d`, weeks
 * `w` or years `y`), in chunks of 500. Counts for the removed period drop to zero;
 * later periods are unchanged (see src/lib/server/import/retention.ts). On Apache
 * CouchDB, compact the events database afterwards to reclaim the disk space.
 *
 * It also deletes the replication checkpoints not written for 30 days and compacts
 * their database (src/lib/server/ingest/checkpoints.ts), whatever the records' age.
 */
import { parseArgs } from 'node:util';
import { connectForScript } from '../src/lib/server/boot/connect';
import type { Couch } from '../src/lib/server/couch';
import { StartupError } from '../src/lib/server/errors';
import { countOlderThan, deleteOlderThan, parseAge } from '../src/lib/server/import/retention';
import {
	CHECKPOINT_MAX_AGE_DAYS,
	deleteStaleCheckpoints
} from '../src/lib/server/ingest/checkpoints';

async function main() {
	const { values } = parseArgs({
		options: {
			'older-than': { type: 'string' },
			'dry-run': { type: 'boolean', default: false }
		}
	});
	const age = values['older-than'] ? parseAge(values['older-than']) : undefined;
	if (age === undefined) {
		console.error(
			'usage: npm run retention -- --older-than 400d [--dry-run]   (ages: 400d, 52w, 2y)'
		);
		process.exit(2);
	}
	const dryRun = values['dry-run'];
	const connection = await connectForScript(process.env);
	try {
		await retireRecords(connection.couch, Date.now() - age, dryRun);
		await retireCheckpoints(connection.couch, dryRun);
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
	console.error(e instanceof StartupError ? e.line : e);
	process.exit(1);
});
