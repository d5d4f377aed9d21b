/**
 * A soak run against a RUNNING app (`npm start`), to watch the store's memory over time
 * (views/MEASURED.md, "Does the store's memory grow under steady traffic?"): steady
 * ingest (a new session every 1/RATE s on average, 1–4 pages, each with a heartbeat and
 * sometimes an event, for the `demo` site), four "dashboards" (a live stream each, every
 * message re-reading `/api/v1/dashboard?part=live`, one at a time), the Stats API every
 * 5 s and the dashboard page every 40 s. Counts of answers by status every minute.
 * Sample the store's memory from outside (`/proc/PID/status`, a heap snapshot).
 *
 * Usage: APP=http://127.0.0.1:3000 PASS=<admin's password> [MINUTES=28] [RATE=1] npm run bench:soak
 */
import { uuidv7 } from '../src/lib/records';
import { recordBase } from '../tests/support/ingest-records';
const APP = process.env.APP!;
const PASS = process.env.PASS!;
const MINUTES = Number(process.env.MINUTES ?? 28);
const SESSIONS_PER_S = Number(process.env.RATE ?? 1);
const UA =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PATHS = ['/', '/pricing', '/blog', '/blog/a', '/blog/b', '/docs', '/about', '/signup'];
const SRC = [undefined, 'news.example', 'x.com', 'google.com'];
const pick = <T>(a: T[]) => a[Math.floor(Math.random() * a.length)];
const counts: Record<string, number> = {};
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

async function login(): Promise<string> {
	const r = await fetch(`${APP}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP },
		body: new URLSearchParams({ name: 'admin', password: PASS })
	});
	const c = r.headers
		.getSetCookie()
		.map((s) => s.split(';')[0])
		.join('; ');
	if (!c) throw new Error(`login ${r.status} ${await r.text()}`);
	return c;
}

function session(): Record<string, unknown>[][] {
	const t0 = Date.now();
	const sid = uuidv7(t0),
		vid = uuidv7(t0);
	const src = pick(SRC);
	const land = pick(PATHS);
	const n = 1 + Math.floor(Math.random() * 4);
	const batches: Record<string, unknown>[][] = [];
	const trail: string[] = [];
	let path = land;
	for (let i = 0; i < n; i++) {
		const ts = Date.now();
		const base = (type: string) =>
			recordBase(type, { site: 'demo', ts, sid, vid, path, land, ...(src && { src }) });
		const b: Record<string, unknown>[] = [
			{
				...base('pageview'),
				entry: i === 0,
				firstOfDay: i === 0,
				firstEver: i === 0,
				...(i === 0 && { opensDay: true }),
				trail: [...trail],
				tz: 'Europe/Paris',
				title: `Page ${path}`
			}
		];
		if (Math.random() < 0.3)
			b.push({ ...base('event'), name: 'signup', props: { text: 'Sign up' } });
		if (Math.random() < 0.25)
			b.push({ ...base('event'), name: 'add_to_cart', props: { plan: pick(['free', 'pro']) } });
		b.push({
			...base('heartbeat'),
			engagedMs: 1000 + Math.floor(Math.random() * 9000),
			scroll: 50,
			scrollFrom: 0
		});
		batches.push(b);
		trail.push(path);
		if (trail.length > 5) trail.shift();
		path = pick(PATHS);
	}
	return batches;
}

async function post(docs: Record<string, unknown>[]) {
	try {
		const r = await fetch(`${APP}/api/ingest/_bulk_docs`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'user-agent': UA },
			body: JSON.stringify({ docs, new_edits: false })
		});
		bump(`ingest ${r.status}`);
		if (r.status !== 201 && (counts[`ingest ${r.status}`] ?? 0) < 3)
			console.log('ingest', r.status, await r.text());
		else await r.arrayBuffer();
		if (r.status === 201) counts.records = (counts.records ?? 0) + docs.length;
	} catch {
		bump('ingest error');
	}
}

async function runSession() {
	for (const b of session()) {
		await post(b);
		await new Promise((r) => setTimeout(r, 500 + Math.random() * 2000));
	}
}

async function dashboard(cookie: string, i: number, stop: AbortSignal) {
	while (!stop.aborted) {
		try {
			const r = await fetch(`${APP}/api/v1/live?site=demo`, {
				headers: { cookie, accept: 'text/event-stream' },
				signal: stop
			});
			bump(`live ${r.status}`);
			const reader = r.body!.getReader();
			let busy = false,
				again = false;
			const reread = async () => {
				if (busy) {
					again = true;
					return;
				}
				busy = true;
				do {
					again = false;
					const d = await fetch(
						`${APP}/api/v1/dashboard?site=demo&range=today&part=live&latest=1`,
						{ headers: { cookie } }
					);
					bump(`dash ${d.status}`);
					await d.arrayBuffer();
				} while (again);
				busy = false;
			};
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				if (new TextDecoder().decode(value).includes('data:'))
					reread().catch(() => bump('dash error'));
			}
		} catch {
			if (!stop.aborted) {
				bump('live error');
				await new Promise((r) => setTimeout(r, 1000));
			}
		}
	}
}

const cookie = await login();
const stopper = new AbortController();
const dashes = [0, 1, 2, 3].map((i) => dashboard(cookie, i, stopper.signal));
const end = Date.now() + MINUTES * 60_000;
const inflight = new Set<Promise<void>>();
const stats = setInterval(async () => {
	const t = performance.now();
	const r = await fetch(`${APP}/api/v1/stats?site=demo&range=today&limit=100`, {
		headers: { cookie }
	}).catch(() => null);
	bump(`stats ${r?.status}`);
	await r?.arrayBuffer();
	counts.statsMsMax = Math.max(counts.statsMsMax ?? 0, Math.round(performance.now() - t));
}, 5000);
const page = setInterval(async () => {
	const r = await fetch(`${APP}/sites/demo`, { headers: { cookie } }).catch(() => null);
	bump(`page ${r?.status}`);
	await r?.arrayBuffer();
}, 40000);
const report = setInterval(
	() => console.log(new Date().toISOString(), JSON.stringify(counts)),
	60000
);
while (Date.now() < end) {
	const p = runSession().then(() => {
		inflight.delete(p);
	});
	inflight.add(p);
	await new Promise((r) => setTimeout(r, (1000 / SESSIONS_PER_S) * (0.5 + Math.random())));
}
await Promise.all(inflight);
clearInterval(stats);
clearInterval(page);
clearInterval(report);
stopper.abort();
await Promise.allSettled(dashes);
console.log(new Date().toISOString(), 'done', JSON.stringify(counts));
process.exit(0);
