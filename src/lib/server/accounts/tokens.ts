/**
 * Per-site API tokens for the Stats API, and, when made for it, the raw export. A token
 * is shown once when created; the site
 * record keeps only its SHA-256 (hex), so a leaked sites database leaks no token.
 * Tokens carry 256 random bits, so a plain (unsalted) SHA-256 is enough to make a
 * stored hash useless to an attacker.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SiteRecord, SiteToken } from './sites';
import { CouchstatsError } from '../errors';

/** Prefix of every token, so leaked tokens are easy to recognise and scan for. */
export const TOKEN_PREFIX = 'cst_';

/** Hex SHA-256 of a secret token, as stored in `site.tokens[].hash`. */
export function hashToken(secret: string): string {
	return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A newly created token: the secret to show once, and the record to store. */
export interface CreatedToken {
	/** The bearer token, e.g. `cst_3q2…`; shown to the owner once, never stored. */
	secret: string;
	/** What goes into `site.tokens`. */
	token: SiteToken;
}

/** How a token is made; every field optional. */
export interface TokenOptions {
	/** Whether it may download the site's raw records too ({@link SiteToken.records}); default not. */
	records?: boolean;
	/** Clock, for `createdAt`; default Date.now. */
	now?: () => number;
	/** Random source (bytes); default crypto.randomBytes. */
	random?: (size: number) => Buffer;
}

/**
 * Creates a token.
 * @param label What the owner calls it, e.g. `CI export`.
 */
export function createToken(label: string, options: TokenOptions = {}): CreatedToken {
	const { now = Date.now, random = randomBytes } = options;
	const secret = TOKEN_PREFIX + random(32).toString('base64url');
	const hash = hashToken(secret);
	const token: SiteToken = { id: `tok_${hash.slice(0, 8)}`, label, hash, createdAt: now() };
	if (options.records) token.records = true;
	return { secret, token };
}

/**
 * API tokens a site holds at most: an outside security probe added 1,500, and every
 * request with a wrong share secret, anonymous, reads every site's record.
 */
export const MAX_TOKENS = 20;

/**
 * The site with a token added (a new record; the caller saves it).
 * @throws {CouchstatsError} 400 when the site has {@link MAX_TOKENS} tokens.
 */
export function withToken(site: SiteRecord, token: SiteToken): SiteRecord {
	if (site.tokens.length >= MAX_TOKENS) {
		throw new CouchstatsError(400, `a site has at most ${MAX_TOKENS} API tokens; revoke one first`);
	}
	return { ...site, tokens: [...site.tokens, token] };
}

/** The site with a token removed by its public id (a new record; the caller saves it). */
export function withoutToken(site: SiteRecord, tokenId: string): SiteRecord {
	return { ...site, tokens: site.tokens.filter((t) => t.id !== tokenId) };
}

/**
 * The site's token matching a secret, or undefined. Compares hashes in constant time.
 */
export function findToken(site: Pick<SiteRecord, 'tokens'>, secret: string): SiteToken | undefined {
	const given = new Uint8Array(Buffer.from(hashToken(secret), 'hex'));
	return site.tokens.find((t) => {
		const stored = new Uint8Array(Buffer.from(t.hash, 'hex'));
		return stored.length === given.length && timingSafeEqual(stored, given);
	});
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
	return match?.[1];
}
