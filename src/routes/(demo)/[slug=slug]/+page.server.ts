import { error } from '@sveltejs/kit';
import { getEntry } from '$lib/server/demo/content';
import { demoRetention, withRetention } from '$lib/server/demo/privacy';
import type { PageServerLoad } from './$types';

export const load = (async ({ params }) => {
	const entry = getEntry('page', params.slug);
	if (!entry) error(404, 'No such page');
	// The privacy page says how long records are kept, as the app applies it now.
	if (params.slug !== 'privacy') return { entry };
	return { entry: { ...entry, html: withRetention(entry.html, await demoRetention()) } };
}) satisfies PageServerLoad;
