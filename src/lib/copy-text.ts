/**
 * Copying a snippet to the clipboard from a button, with a fallback for browsers that
 * refuse the asynchronous Clipboard API (no permission, an insecure origin such as a
 * LAN address over http, an older browser): the snippet's element is selected and the
 * legacy `copy` command tried; if that fails too, the selection stays for the person to
 * copy with the keyboard.
 */

/** What a copy attempt did, for the feedback beside the button. */
export type CopyOutcome = 'copied' | 'selected';

/** The browser facilities a copy uses, injectable for tests. */
export interface CopyEnvironment {
	/** `navigator.clipboard`, when the browser has it. */
	clipboard?: Pick<Clipboard, 'writeText'>;
	/** Selects the snippet's text on the page. */
	select: () => void;
	/** `document.execCommand('copy')` on the current selection; false when refused. */
	copySelection: () => boolean;
}

/**
 * Copies `text`: through the Clipboard API, else by selecting the snippet and running
 * the legacy copy command, else leaves it selected.
 * @returns `copied` when the text reached the clipboard, `selected` when it is only selected.
 */
export async function copyText(text: string, env: CopyEnvironment): Promise<CopyOutcome> {
	try {
		if (env.clipboard) {
			await env.clipboard.writeText(text);
			return 'copied';
		}
	} catch {
		// Refused (permission, focus, insecure origin): fall back below.
	}
	env.select();
	try {
		if (env.copySelection()) return 'copied';
	} catch {
		// Some browsers throw instead of returning false.
	}
	return 'selected';
}

/** The browser's own facilities for copying the text of `element`. */
export function browserCopyEnvironment(element: HTMLElement): CopyEnvironment {
	return {
		clipboard: navigator.clipboard,
		select: () => {
			const range = document.createRange();
			range.selectNodeContents(element);
			const selection = window.getSelection();
			selection?.removeAllRanges();
			selection?.addRange(range);
		},
		copySelection: () => document.execCommand('copy')
	};
}
