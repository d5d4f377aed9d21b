import type { ParamMatcher } from '@sveltejs/kit';

/**
 * A content slug: lowercase letters of any script, digits and dashes (see
 * src/lib/server/demo). A slug no page has is the demo's own 404 page, with its tracker:
 * `/no-such-café` too, which an end-to-end test records as `/no-such-caf%C3%A9`.
 */
export const match = ((param: string) =>
	/^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{M}\p{N}-]*$/u.test(param)) satisfies ParamMatcher;
