/**
 * The deferred part of the tracker, loaded after the page's `load` in idle time: the
 * PouchDB outbox, which it attaches to the core's delivery; and the visitor's records
 * on the server (visitor.ts), which the core asks for when a page calls `myData()` or
 * `erase()`. Automatic capture is the core's (capture.ts), so it works before this
 * part has loaded.
 */
import { openOutbox } from './outbox.ts';
import type { Deferred, DeferredModule, Host } from './tracker.ts';
import { eraseMine, readMine } from './visitor.ts';

/** Takes over from the core: opens the outbox and attaches it to delivery. */
export function attach(host: Host): Deferred {
	const { settings: s, window: win, delivery } = host;
	const box = openOutbox({
		max: s.maxOutbox,
		window: win,
		dropped: (count) => host.make('dropped', { count }),
		found: (records) => delivery.adopt(records, true),
		bounded(ids, record) {
			delivery.forget(ids);
			delivery.adopt([record], true);
		}
	});
	delivery.attach(box);

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
