// See https://svelte.dev/docs/kit/types#app.d.ts
import type { User } from '$lib/server/accounts/auth';

declare global {
	namespace App {
		interface Locals {
			/** The logged-in account, or null for anonymous requests. */
			user: User | null;
		}
		interface Error {
			message: string;
		}
	}
}

export {};
