/**
 * One line of the running server's log, on stderr, stamped with the moment it was
 * written (ISO 8601, UTC: `2026-12-07T01:12:03.456Z couchstats: …`), so that a log kept
 * in a file says when a login was refused, a request failed or the app was killed (an
 * outside probe: under `nohup`, no line said when; fail2ban needs the time on the line).
 * Plain JavaScript, so that the launcher (scripts/start.js) writes its lines the same way.
 * A start and a stop that go through are stamped too (`Listening on …`, `couchstats: open
 * …`, `couchstats: store closed`), so a log kept in a file says when the app restarted (an
 * outside probe found those lines without a time). What answers the command just run is
 * not: where the store is, a setting or a port refused. An entry of several lines (an
 * error's stack) has the same stamp on each, so that every line of the file starts with
 * its time (an outside probe found a stack's lines without one).
 * @param {string} text The line, secrets already redacted (log.ts `redactSecrets`).
 */
export function logLine(text) {
	const at = new Date().toISOString();
	console.error(
		text
			.split('\n')
			.map((line) => `${at} ${line}`)
			.join('\n')
	);
}
