/**
 * Where the keyboard goes when a page under a filter (the dashboard, the session list)
 * navigates to itself: SvelteKit leaves focus on `<body>` at the top (an outside review:
 * a keyboard user lost their place), and on back and forward on `<body>` wherever the
 * page was scrolled to. A filter put on, by a link or by back or forward: the filter
 * bar's chip, which reads it and leads to its ×. Taken off: where the page says it came
 * from (the dashboard: the row link), else the page's main heading. Back or forward to
 * another range or page of the same filter: the main heading. An address with a fragment
 * (`#journeys`) keeps SvelteKit's place, the element it names, which the browser focuses
 * when it can be (a dashboard widget: Widget.svelte).
 */
import { afterNavigate } from '$app/navigation';
import { sameFilter, type Filter } from '$lib/stats/filters';

/** What a page tells {@link keepPlace}. */
export interface Place {
	/** The filter the page is under now. */
	filter: () => Filter | null;
	/** The filter bar, whose `focus()` puts the keyboard on its chip (FilterBar.svelte). */
	filterBar: () => { focus(): void } | undefined;
	/**
	 * Where the keyboard goes once a filter came off the page at `from` (the address under
	 * the filter); none: the page's main heading.
	 */
	unfiltered?: (from: URL) => Element | null | undefined;
}

/**
 * Keeps the keyboard's place on the page across its own navigations (see above). Call it
 * while the page's component initialises, as `afterNavigate`.
 */
export function keepPlace(place: Place): void {
	/** The filter of the last navigation. */
	let before: Filter | null = null;
	afterNavigate(({ type, from, to }) => {
		const was = before;
		const filter = (before = place.filter());
		if (type !== 'link' && type !== 'popstate') return;
		if (!from || !to || from.url.pathname !== to.url.pathname || to.url.hash) return;
		if (!sameFilter(was, filter)) {
			if (filter) return place.filterBar()?.focus();
			return focus(place.unfiltered?.(from.url) ?? heading());
		}
		if (type === 'popstate') focus(heading());
	});
}

/** The page's main heading (focusable with `tabindex="-1"`). */
const heading = () => document.querySelector('h1');

function focus(element: Element | null | undefined) {
	(element as HTMLElement | null | undefined)?.focus();
}
