// See https://svelte.dev/docs/kit/types#app.d.ts
import type { User } from '$lib/server/accounts/auth';
import type { StoreTimeout } from '$lib/server/errors';

declare global {
	namespace App {
		interface Locals {
			/** The logged-in account, or null for anonymous requests. */
			user: User | null;
			/**
			 * A session cookie came whose check the store did not answer (hooks.server.ts): the
			 * request goes on without a user, and an API refuses it as unchecked, not as
			 * anonymous (stats/authorize.ts `requireCredentials`).
			 */
			sessionUnchecked?: boolean;
			/**
			 * The store's silence that made the request fail, where nothing answered it
			 * (hooks.server.ts answers 503 for it); set by `handleError`.
			 */
			storeTimeout?: StoreTimeout;
		}
		interface Error {
			message: string;
		}
	}
}

export {};
