/**
 * `npm run couch`: runs only the embedded CouchDB-compatible store (with the app's
 * databases and design documents set up), so a CouchDB admin can curl the views.
 * While the app runs on the same data directory it refuses (one process at a time may
 * open it) and says where the app's own store is: the app's start log names its URL.
 */
import path from 'node:path';
import { loadConfig } from '../src/lib/server/boot/config';
import { StartupError } from '../src/lib/server/errors';
import { CREDENTIALS_FILE, DataDirInUseError } from '../src/lib/server/embedded/server';
import { describeBackend, startBackend } from '../src/lib/server/boot/startup';

try {
	const config = loadConfig({ ...process.env, COUCHDB_URL: undefined });
	const backend = await startBackend(config);
	for (const line of describeBackend(backend, config)) console.log(line);
	const url = backend.embedded!.url;
	console.log(
		`couchstats: try  curl -u "$(node -p "const c=require('${backend.embedded!.credentialsFile}');c.user+':'+c.password")" ` +
			`'http://127.0.0.1:${url.port}/${backend.couch.names.events}/_design/stats/_view/metrics?group_level=3'`
	);
	console.log('couchstats: press Ctrl-C to stop');
	const stop = async () => {
		await backend.close();
		process.exit(0);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	process.once('SIGHUP', stop);
} catch (e) {
	if (e instanceof DataDirInUseError) {
		console.error(
			`couchstats: ${e.message} — if that is the app, query its store instead: its start log ` +
				`names the URL ("embedded CouchDB-compatible store at …"), and the admin credentials ` +
				`are in ${path.join(e.dataDir, CREDENTIALS_FILE)}; otherwise ${e.fix}`
		);
		process.exit(1);
	}
	if (e instanceof StartupError) {
		console.error(e.line);
		process.exit(1);
	}
	throw e;
}
