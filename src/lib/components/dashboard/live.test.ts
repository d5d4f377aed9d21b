import { expect, test } from 'vitest';
import { LATER_MS, refreshDelay } from './live.svelte';

test.each([
	[['heartbeat'], LATER_MS],
	[['heartbeat', 'milestone', 'milestone'], LATER_MS],
	[['heartbeat', 'pageview'], 0],
	[['milestone', 'event'], 0],
	[['dropped'], LATER_MS]
])('records of types %j refresh the page after %i ms', (types, delay) => {
	expect(refreshDelay(types.map((type) => ({ type })))).toBe(delay);
});
