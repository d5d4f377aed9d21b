/**
 * The events database's sequence as pages carry it: sealed (AES-256-GCM under a key of
 * this process), so that a page's data does not publish it. The sequence counts every
 * write to the events database, every site's, and an outside security probe read a
 * private site's traffic to the record by polling it on the public /stats page. A page
 * hands its token back as its live stream's `since`; only this process can open it (a
 * token from before a restart does not open: the page reads again, as for records
 * missed), and a made-up `since` no longer asks the store anything.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** This process's key: tokens live as long as the pages of one run of the app. */
const KEY = bytes(randomBytes(32));
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a token looks like (base64url): refused with a 400 otherwise. */
export const SEQ_TOKEN_PATTERN = /^[A-Za-z0-9_-]{39,4000}$/;

/** A sequence sealed for a page (a new token each time, even for the same sequence). */
export function sealSeq(seq: string): string {
	const iv = bytes(randomBytes(IV_BYTES));
	const cipher = createCipheriv('aes-256-gcm', KEY, iv);
	// Padded to a multiple of 64 characters, so that a token's length does not tell the
	// sequence's order of magnitude either (an outside re-check).
	const padded = seq.padEnd(Math.ceil((seq.length + 1) / 64) * 64, ' ');
	const sealed = [iv, cipher.update(padded, 'utf8'), cipher.final(), cipher.getAuthTag()];
	return Buffer.concat(sealed.map(bytes)).toString('base64url');
}

/** The sequence a token of this process holds, or undefined for any other text. */
export function openSeq(token: string): string | undefined {
	const all = bytes(Buffer.from(token, 'base64url'));
	if (all.length <= IV_BYTES + TAG_BYTES) return undefined;
	try {
		const decipher = createDecipheriv('aes-256-gcm', KEY, all.subarray(0, IV_BYTES));
		decipher.setAuthTag(all.subarray(all.length - TAG_BYTES));
		const body = all.subarray(IV_BYTES, all.length - TAG_BYTES);
		return (decipher.update(body, undefined, 'utf8') + decipher.final('utf8')).trimEnd();
	} catch {
		return undefined;
	}
}

/** A Buffer's bytes as a plain Uint8Array (what node:crypto's types take). */
function bytes(buffer: ArrayLike<number>): Uint8Array<ArrayBuffer> {
	return new Uint8Array(buffer);
}
