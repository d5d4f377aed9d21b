import { error } from '@sveltejs/kit';
import { getEntry } from '$lib/server/demo/content';
import type { PageServerLoad } from './$types';

export const load = (({ params }) => {
	const entry = getEntry('page', params.slug);
	if (!entry) error(404, 'No such page');
	return { entry };
}) satisfies PageServerLoad;
