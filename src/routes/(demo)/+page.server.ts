import { listEntries } from '$lib/server/demo/content';
import type { PageServerLoad } from './$types';

export const load = (() => ({ posts: listEntries('post') })) satisfies PageServerLoad;
