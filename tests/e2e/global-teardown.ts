/** After the Playwright suite: on an external CouchDB, removes the run's databases and accounts. */
import { externalCouchUrl, removeRunData } from '../helpers/test-couch';

export default async function teardown() {
	if (externalCouchUrl) await removeRunData(externalCouchUrl);
}
