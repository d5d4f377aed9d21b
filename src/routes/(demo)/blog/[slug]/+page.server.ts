import { error } from '@sveltejs/kit';
import { getEntry } from '$lib/server/demo/content';
import type { PageServerLoad } from './$types';

export const load = (({ params }) => {
	const entry = getEntry('post', params.slug);
	if (!entry) error(404, 'No such post');
	return { entry };
}) satisfies PageServerLoad;
