/**
 * The standalone tracker's files: built into `static/` one per mode
 * (vite.tracker.config.ts) and served by the front server with
 * {@link TRACKER_CACHE_CONTROL} (scripts/serve.js). Plain JavaScript, as serve.js imports
 * it unbuilt.
 */
export const TRACKER_FILES = Object.freeze({
	standalone: 'couchstats.js',
	core: 'couchstats-core.js',
	deferred: 'couchstats-deferred.js'
});

/**
 * How long a browser reuses a tracker file without asking again: an hour, then it
 * revalidates (a 304 when unchanged). Without it a browser guessed from the file's age,
 * and after an upgrade visitors could run the older tracker for days (an outside probe);
 * the three files of two versions mixed within the hour work together (checked four ways
 * by another probe).
 */
export const TRACKER_CACHE_CONTROL = 'public, max-age=3600';
