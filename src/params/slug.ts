import type { ParamMatcher } from '@sveltejs/kit';

/** A content slug: lowercase letters, digits and dashes (see src/lib/server/demo). */
export const match = ((param: string) => /^[a-z0-9][a-z0-9-]*$/.test(param)) satisfies ParamMatcher;
