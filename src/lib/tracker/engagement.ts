/**
 * Engaged-time accounting: time counts while the page is visible, focused and not
 * hidden by `pagehide`. The tracker feeds it state changes; heartbeats take what has
 * accumulated since the previous heartbeat. The clock is injected.
 */

/** The accumulator the tracker core drives. */
export interface Engagement {
	/** Sets whether the page is engaged now (visible and focused). */
	set(engaged: boolean): void;
	/** True while the page is engaged. */
	active(): boolean;
	/** Engaged milliseconds since the previous `take`, and restarts the count. */
	take(): number;
	/** Engaged milliseconds accumulated but not yet taken. */
	peek(): number;
	/** When the time not yet taken began to accrue (on the injected clock). */
	began(): number;
}

/** Creates an accumulator reading time from `now`. */
export function createEngagement(now: () => number, engaged = false): Engagement {
	let on = engaged;
	let since = now();
	let began = since;
	let acc = 0;
	const peek = () => acc + (on ? Math.max(0, now() - since) : 0);
	return {
		set(engaged) {
			acc = peek();
			since = now();
			// Nothing waiting: what is engaged from now on begins now.
			if (engaged && !on && !acc) began = since;
			on = engaged;
		},
		active: () => on,
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
