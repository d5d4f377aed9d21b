/**
 * Entry of the standalone deferred bundle (`/couchstats-deferred.js`): the standalone
 * script loads it with a classic `<script>` element after `load` (so other sites need
 * no CORS for it) and picks the module up from this global.
 */
import { deferredModule } from './deferred.ts';

(window as unknown as { couchstatsDeferred: typeof deferredModule }).couchstatsDeferred =
	deferredModule;
