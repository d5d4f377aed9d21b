/**
 * `npm run couch`: runs only the embedded CouchDB-compatible store (with the app's
 * databases and design documents set up), so a CouchDB admin can curl the views.
 * Do not run it while the app runs on the same data directory.
 */
import { loadConfig } from '../src/lib/server/boot/config';
import { StartupError } from '../src/lib/server/errors';
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
} catch (e) {
	if (e instanceof StartupError) {
		console.error(e.line);
		process.exit(1);
	}
	throw e;
}
