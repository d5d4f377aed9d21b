/**
 * JSON as the tracker writes it (requests, journals, state), whatever the host page did
 * to JSON. Pages that load Prototype.js (or another library of its time) carry an own
 * `Array.prototype.toJSON`, which `JSON.stringify` calls: every array became a string,
 * and the ingest refused every request (an outside probe: 400 on every `_bulk_docs`,
 * nothing stored, nothing said). Such a `toJSON` is set aside while the tracker writes
 * and put back at once, as other analytics libraries do. A page that replaced
 * `JSON.stringify` itself is said once in the console: its requests may be refused
 * (network.ts says so too when they are).
 */
import { sayOnce } from './say-once.ts';

/**
 * `JSON.stringify(value)` without the page's own `toJSON` of arrays and objects.
 * @throws whatever the page's `JSON.stringify` throws, when it replaced it.
 */
export function stringify(value: unknown): string {
	if (!/\[native code\]/.test(Function.prototype.toString.call(JSON.stringify)))
		sayOnce(
			'json',
			"this page replaced JSON.stringify, which the tracker's records are written with; if the ingest refuses them, this is why"
		);
	const aside: [object, PropertyDescriptor][] = [];
	for (const proto of [Array.prototype, Object.prototype]) {
		const own = Object.getOwnPropertyDescriptor(proto, 'toJSON');
		if (own && Reflect.deleteProperty(proto, 'toJSON')) aside.push([proto, own]);
	}
	try {
		return JSON.stringify(value);
	} finally {
		for (const [proto, own] of aside) Object.defineProperty(proto, 'toJSON', own);
	}
}

/** The size of `text` in bytes (UTF-8), as a request body or the ingest measures it. */
export const bytes = (text: string): number => new Blob([text]).size;
