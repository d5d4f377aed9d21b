import { listEntries } from '$lib/server/content/content';
import type { LayoutServerLoad } from './$types';

// The demo blog's pages get its frame, whose navigation lists the content pages; the
// app's pages bring their own shell. (The frame lives here, not in the (demo) layout, so
// that the layout holding the tracker stays the tracker alone: tests/e2e/size-budget.)
export const load = (({ route }) => ({
	demoNav: route.id?.startsWith('/(demo)')
		? listEntries('page').map(({ title, path }) => ({ title, path }))
		: null
})) satisfies LayoutServerLoad;
