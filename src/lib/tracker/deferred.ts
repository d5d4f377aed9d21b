/**
 * The deferred part of the tracker, loaded after the page's `load` in idle time:
 * validated `track()`, automatic capture (clicks on `data-track` elements, outbound
 * links, downloads, form submissions — never field values), the server clock offset,
 * and the PouchDB outbox that takes over the records the core kept in memory.
 */
import { LIMITS, type ClientRecord } from '../records.ts';
import { openOutbox, serverOffset, type Outbox } from './outbox.ts';
import { linkKind, pathOf } from './page.ts';
import { clip, eventName, eventProps } from './props.ts';
import type { Deferred, DeferredModule, Host } from './tracker.ts';

/**
 * Takes over from the core: learns the clock offset, opens the outbox, moves the
 * records waiting in memory into it and installs automatic capture.
 */
export function attach(host: Host): Deferred {
	const { settings: s, window: win } = host;
	const doc = win.document;
	const capture = { clicks: true, outbound: true, downloads: true, forms: true, ...s.capture };
	let box: Outbox | undefined;
	let batch: ClientRecord[] = [];
	const write = (records: ClientRecord[]) => void box?.add(records).catch(() => {});
	const ready = serverOffset(s.endpoint, host.localNow)
		.then(host.setOffset, () => {})
		.then(() => {
			box = openOutbox({
				endpoint: s.endpoint,
				max: s.maxOutbox,
				maxWaitMs: s.maxWaitMs,
				dropped: (count) => host.make('dropped', { count })
			});
			const waiting = host.handOver((record) => {
				// Records made in one task (a pageview and its milestone) go in one write.
				if (batch.push(record) == 1)
					queueMicrotask(() => {
						write(batch);
						batch = [];
					});
			});
			if (host.dropped) waiting.push(host.make('dropped', { count: host.dropped }));
			if (waiting.length) write(waiting);
		});

	const track = (name: unknown, props?: unknown) => {
		const n = eventName(name);
		if (n) host.event(n, eventProps(props));
	};
	win.addEventListener(
		'scroll',
		() => {
			const depth = ((win.scrollY + win.innerHeight) / doc.documentElement.scrollHeight) * 100;
			host.scroll = Math.max(host.scroll, Math.min(100, Math.round(depth) || 0));
		},
		{ passive: true }
	);
	const guard = (fn: (e: Event) => void) => (e: Event) => {
		try {
			fn(e);
		} catch {
			// Never into the host page.
		}
	};

	doc.addEventListener(
		'click',
		guard((e) => {
			const el = (e.target as Element | null)?.closest?.('a[href],[data-track]');
			if (!el) return;
			const name = el.getAttribute('data-track');
			if (name !== null && capture.clicks)
				track(name || 'click', {
					text: clip((el as HTMLElement).innerText ?? el.textContent, 100)
				});
			if (el.localName == 'a') {
				const url = new URL((el as HTMLAnchorElement).href);
				const kind = linkKind(url, win.location.origin, el.hasAttribute('download'));
				if (kind && capture[kind == 'download' ? 'downloads' : kind])
					track(kind, { url: (url.origin + url.pathname).slice(0, LIMITS.propValue) });
			}
		}),
		true
	);
	doc.addEventListener(
		'submit',
		guard((e) => {
			const form = e.target as HTMLFormElement;
			if (!capture.forms || form?.localName != 'form') return;
			const action = form.getAttribute('action');
			track('form', {
				form:
					form.id ||
					form.getAttribute('name') ||
					(action ? pathOf(new URL(action, win.location.href)) : host.path())
			});
		}),
		true
	);

	return {
		track,
		flush: () => box?.flush(),
		list: async () => (await box?.list()) ?? [],
		async destroy() {
			await ready;
			await box?.destroy();
			box = undefined;
			// PouchDB's own cross-tab change notification keys.
			for (const key of ['_pouch_couchstats', '_pouch_check_localstorage'])
				win.localStorage.removeItem(key);
		}
	};
}

/** The deferred module as the core loads it. */
export const deferredModule: DeferredModule = { attach };
