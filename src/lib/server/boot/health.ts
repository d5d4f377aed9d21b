import { couch } from '../couch';

/** What `/healthz` reports. */
export interface Health {
	ok: boolean;
	couchdb: 'ok' | 'unreachable' | 'error';
	/** Why CouchDB is not OK, without secrets. */
	reason?: string;
}

/** Checks that CouchDB answers and that the events database exists, within 3 s. */
export async function checkHealth(): Promise<Health> {
	const { server, names } = couch();
	try {
		await Promise.race([
			server.db.get(names.events),
			new Promise((_, reject) =>
				setTimeout(() => reject(new Error('no answer within 3 s')), 3000).unref()
			)
		]);
		return { ok: true, couchdb: 'ok' };
	} catch (e) {
		const status = (e as { statusCode?: number }).statusCode;
		if (status) return { ok: false, couchdb: 'error', reason: `CouchDB answered HTTP ${status}` };
		const message = e instanceof Error ? e.message : String(e);
		return {
			ok: false,
			couchdb: 'unreachable',
			reason: message.replace(/^error happened in your connection\. Reason: /, '')
		};
	}
}
