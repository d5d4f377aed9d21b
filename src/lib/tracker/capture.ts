/**
 * Automatic capture, part of the core so that it works from the core's first moment,
 * not only once the deferred part has loaded (after `load`, in idle time): a visitor
 * who follows an outbound link or submits a form in a page's first second is recorded
 * too. Clicks on `data-track` elements, outbound links, downloads and form submissions
 * (never field values) become events through the core's `track()`; the deepest scroll
 * position of the page goes into its heartbeats, starting from what is on screen once
 * the page has loaded, so a page that fits the screen is read to 100 % unscrolled.
 */
import { LIMITS } from '../records.ts';
import { linkKind, pathOf } from './page.ts';
import { clip } from '../text.ts';
import type { Settings } from './options.ts';

/** What capture needs of the core. */
export interface CaptureHost {
	settings: Settings;
	window: Window;
	/** The site's own host names, as the tracker knows them (site-hosts.ts). */
	hosts(): string[];
	/** The fragment that hands the visitor on to `url`, another host of the site (handoff.ts). */
	handoff(url: URL): string | undefined;
	/** Records an event as the page's `track()` does. */
	track(name: string, props: Record<string, string | undefined>): void;
	/** The current path. */
	path(): string;
	/** Reports how far down the page is scrolled, 0–100 (the core keeps the deepest). */
	scrolled(depth: number): void;
}

/** What capture gives the core back. */
export interface Capture {
	/**
	 * Reports the part of the page on screen now, if the page has loaded (before `load`
	 * its height is still growing; capture reports it at `load`). The core calls it when
	 * a page view starts, so the depth of one made after `load` starts there too.
	 */
	measure(): void;
}

/** Installs the page's capture listeners. */
export function installCapture(host: CaptureHost): Capture {
	const { settings: s, window: win } = host;
	const doc = win.document;
	const { capture } = s;

	// Listeners never throw into the page. They run whether tracking is on or not: `track`
	// decides (a click while `erase()` runs waits, as the page's own calls do).
	const guard = (fn: (e: Event) => void) => (e: Event) => {
		try {
			fn(e);
		} catch {
			// Never into the host page.
		}
	};
	const listen = (target: EventTarget, type: string, fn: (e: Event) => void) =>
		target.addEventListener(type, guard(fn), true);
	/**
	 * Gives `el`'s address (`href` or `action`) the hand-off to `url` while the browser
	 * follows it, and its own back after (a link copied later carries none).
	 */
	const handOn = (el: Element, name: string, url: URL) => {
		const fragment = host.handoff(url);
		if (!fragment) return;
		const was = el.getAttribute(name);
		el.setAttribute(name, url.href + fragment);
		win.setTimeout(() => (was === null ? el.removeAttribute(name) : el.setAttribute(name, was)));
	};

	/** Reports how far down the viewport's bottom edge is, in % of the page's height. */
	const measure = () => {
		const depth = ((win.scrollY + win.innerHeight) / doc.documentElement.scrollHeight) * 100;
		host.scrolled(Math.min(100, Math.round(depth) || 0));
	};
	win.addEventListener('scroll', guard(measure), { passive: true });
	// What is on screen once the page has loaded counts as read, scrolled to or not.
	win.addEventListener('load', guard(measure));
	/**
	 * A click, or a middle click (`auxclick`, button 1: a link opened in a new tab, which
	 * fires no `click`; an outside review found outbound links and downloads opened so
	 * uncounted). A middle click is a link's only: it activates no `data-track` element.
	 */
	const clicked = (e: Event) => {
		const middle = e.type == 'auxclick';
		if (middle && (e as MouseEvent).button != 1) return;
		const el = (e.target as Element | null)?.closest?.(middle ? 'a[href]' : 'a[href],[data-track]');
		if (!el) return;
		const name = middle ? null : el.getAttribute('data-track');
		if (name !== null && capture.clicks)
			host.track(name || 'click', {
				text: clip((el as HTMLElement).innerText ?? el.textContent, 100)
			});
		if (el.localName == 'a') {
			const url = new URL((el as HTMLAnchorElement).href);
			const kind = linkKind(url, win.location.origin, el.hasAttribute('download'), host.hosts());
			if (kind && capture[kind == 'download' ? 'downloads' : kind])
				host.track(kind, { url: (url.origin + url.pathname).slice(0, LIMITS.propValue) });
		}
	};
	listen(doc, 'click', clicked);
	listen(doc, 'auxclick', clicked);
	/**
	 * The hand-off goes on last, as the event leaves the page (the window's bubbling
	 * listener, after the page's own): a listener of the page, such as another tool's
	 * outbound-link tracking, reads the address without it (a review: in the capturing
	 * listener it showed them the visitor's ids). An event the page took
	 * (`preventDefault`: a router, a script that navigates itself) gets none.
	 */
	const handed = (e: Event) => {
		if (e.defaultPrevented || (e.type == 'auxclick' && (e as MouseEvent).button != 1)) return;
		const el = (e.target as Element | null)?.closest?.(e.type == 'submit' ? 'form' : 'a[href]');
		if (el?.localName == 'a') handOn(el, 'href', new URL((el as HTMLAnchorElement).href));
		// A GET form's query replaces the action's; its fragment stays.
		else if ((el as HTMLFormElement | null)?.method == 'get')
			handOn(el!, 'action', new URL((el as HTMLFormElement).action));
	};
	for (const type of ['click', 'auxclick', 'submit']) win.addEventListener(type, guard(handed));
	listen(doc, 'submit', (e) => {
		const form = e.target as HTMLFormElement;
		if (form?.localName != 'form' || !capture.forms) return;
		const action = form.getAttribute('action');
		host.track('form', {
			form:
				form.id ||
				form.getAttribute('name') ||
				(action ? pathOf(new URL(action, win.location.href), s.hashRouting) : host.path())
		});
	});
	return { measure: () => doc.readyState == 'complete' && measure() };
}
