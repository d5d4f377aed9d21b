import { json } from '@sveltejs/kit';
import { checkHealth } from '$lib/server/boot/health';
import type { RequestHandler } from './$types';

export const GET = (async () => {
	const health = await checkHealth();
	return json(health, { status: health.ok ? 200 : 503, headers: { 'cache-control': 'no-store' } });
}) satisfies RequestHandler;
