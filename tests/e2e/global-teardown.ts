/** After the Playwright suite: on an external CouchDB, removes the run's databases and accounts. */
import { externalCouchUrl, removeRunData } from '../support/test-couch';

export default async function teardown() {
	if (externalCouchUrl) await removeRunData(externalCouchUrl);
}
