/**
 * Engaged-time accounting: time counts while the page is visible, focused and not
 * hidden by `pagehide` or frozen (`freeze`), and someone used it (pointer, keys, scroll, touch, wheel) in the
 * last {@link IDLE_MS}. The tracker feeds it state changes; heartbeats take what has
 * accumulated since the previous heartbeat. The clock is injected.
 */
import { SESSION_MS } from '../classify/rules.ts';

/**
 * Time without input after which an engaged page is idle: it counts no engaged time, and
 * is not active (the tracker sends no heartbeat, so its session ends 30 minutes later),
 * until the next input, focus or return to the page. As long as a session's timeout: a
 * reader of a long page or a viewer of a video that nobody touches for that long is
 * counted as gone, as a session is, and a tab left open and focused with nobody at it
 * (an outside probe: a heartbeat every 30 s for hours, one session kept open) adds at
 * most 30 minutes.
 */
export const IDLE_MS = SESSION_MS;

/** The accumulator the tracker core drives. */
export interface Engagement {
	/** Sets whether the page is engaged now (visible and focused); engaged is input too. */
	set(engaged: boolean): void;
	/** True while the page is engaged and not idle. */
	active(): boolean;
	/** Engaged milliseconds since the previous `take`, and restarts the count. */
	take(): number;
	/** Engaged milliseconds accumulated but not yet taken. */
	peek(): number;
	/** When the time not yet taken began to accrue (on the injected clock). */
	began(): number;
}

/**
 * Creates an accumulator reading time from `now`.
 * @param input Where the page's input events arrive (the window); without it, only
 *   `set` counts as input.
 */
export function createEngagement(
	now: () => number,
	engaged = false,
	input?: EventTarget
): Engagement {
	let on = engaged;
	let since = now();
	let began = since;
	let acc = 0;
	/** The latest input. */
	let last = since;
	const active = () => on && now() - last < IDLE_MS;
	const peek = () => acc + (on ? Math.max(0, Math.min(now(), last + IDLE_MS) - since) : 0);
	const set = (engaged: boolean) => {
		const was = active();
		// Back from idle: what waited ends a stretch of IDLE_MS with nobody at the page
		// (whose session has mostly ended meanwhile): it goes to no session.
		acc = engaged && on && !was ? 0 : peek();
		since = now();
		// Nothing waiting: what is engaged from now on begins now.
		if (engaged && !was && !acc) began = since;
		on = engaged;
		if (engaged) last = since;
	};
	for (const type of 'pointerdown pointermove keydown scroll touchstart wheel'.split(' '))
		input?.addEventListener(type, () => on && set(on), true);
	return {
		set,
		active,
		take() {
			const ms = peek();
			acc = 0;
			began = since = now();
			return ms;
		},
		peek,
		began: () => began
	};
}
