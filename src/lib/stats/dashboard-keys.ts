/**
 * The keys a dashboard page's two loads depend on (SvelteKit's `depends`), which the page
 * invalidates to re-read them: `live`, the page's own load (every section but journeys
 * and paths), on every live push; `walks`, the dashboard group's layout load (journeys
 * and paths, which walk many rows), only when the viewer asks for it (its Refresh).
 */
export const DASHBOARD_KEYS = { live: 'couchstats:stats', walks: 'couchstats:walks' } as const;
