/**
 * The deferred part of the tracker, loaded after the page's `load` in idle time:
 * automatic capture (clicks on `data-track` elements, outbound links, downloads, form
 * submissions — never field values, recorded through the core's `track()`), and the
 * PouchDB outbox, which it attaches to the core's delivery; and the visitor's records
 * on the server (visitor.ts), which the core asks for when a page calls `myData()` or
 * `erase()`.
 */
import { LIMITS } from '../records.ts';
import { openOutbox } from './outbox.ts';
import { linkKind, pathOf } from './page.ts';
import { clip } from './props.ts';
import type { Deferred, DeferredModule, Host } from './tracker.ts';
import { eraseMine, readMine } from './visitor.ts';

/** Takes over from the core: opens the outbox and installs automatic capture. */
export function attach(host: Host): Deferred {
	const { settings: s, window: win, delivery } = host;
	const doc = win.document;
	const capture = { clicks: true, outbound: true, downloads: true, forms: true, ...s.capture };
	const box = openOutbox({
		max: s.maxOutbox,
		dropped: (count) => host.make('dropped', { count }),
		found: (records) => delivery.adopt(records, true),
		bounded(ids, record) {
			delivery.forget(ids);
			delivery.adopt([record], true);
		}
	});
	delivery.attach(box);

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
				host.track(name || 'click', {
					text: clip((el as HTMLElement).innerText ?? el.textContent, 100)
				});
			if (el.localName == 'a') {
				const url = new URL((el as HTMLAnchorElement).href);
				const kind = linkKind(url, win.location.origin, el.hasAttribute('download'));
				if (kind && capture[kind == 'download' ? 'downloads' : kind])
					host.track(kind, { url: (url.origin + url.pathname).slice(0, LIMITS.propValue) });
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
			host.track('form', {
				form:
					form.id ||
					form.getAttribute('name') ||
					(action ? pathOf(new URL(action, win.location.href), s.hashRouting) : host.path())
			});
		}),
		true
	);

	return {
		list: () => box.list(),
		async destroy() {
			await box.destroy();
			// PouchDB's own cross-tab change notification keys.
			for (const key of ['_pouch_couchstats', '_pouch_check_localstorage'])
				win.localStorage.removeItem(key);
		}
	};
}

/** The deferred module as the core loads it. */
export const deferredModule: DeferredModule = { attach, readMine, eraseMine };
