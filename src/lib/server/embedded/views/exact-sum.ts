/**
 * Sums of doubles that can be subtracted from without losing anything.
 *
 * A stored `_sum` or `_stats` total is updated by adding and later removing values. In
 * plain floating point, `(198.25 + 1e21) - 1e21` is 0: the large value took the small
 * ones' precision with it, and the total stays wrong after the large row is deleted.
 * CouchDB never subtracts (its B-tree recomputes a node from its children); a stored
 * total that is subtracted from must be exact instead. Integers whose running total
 * stays within 2^53 are added as plain numbers (the usual case: counts, milliseconds);
 * anything else keeps Shewchuk's non-overlapping partials (the algorithm behind Python's
 * `math.fsum`), whose sum is the exact sum of every value added, so removing a value
 * restores exactly what was there before it.
 */

/** An exact sum: a number while that is exact, else its partials (smallest first). */
export type ExactSum = number | number[];

/** `sum + value`, exactly. */
export function addExact(sum: ExactSum, value: number): ExactSum {
	if (typeof sum === 'number') {
		const plain = sum + value;
		if (Number.isSafeInteger(sum) && Number.isSafeInteger(value) && Number.isSafeInteger(plain)) {
			return plain;
		}
		return grow(sum === 0 ? [] : [sum], value);
	}
	const partials = grow(sum.slice(), value);
	return partials.length === 1 && Number.isSafeInteger(partials[0]) ? partials[0] : partials;
}

/** `a + b`, exactly. */
export function addExactSums(a: ExactSum, b: ExactSum): ExactSum {
	if (typeof b === 'number') return addExact(a, b);
	let total = a;
	for (const part of b) total = addExact(total, part);
	return total;
}

/** `-sum`. */
export function negateExact(sum: ExactSum): ExactSum {
	return typeof sum === 'number' ? -sum : sum.map((part) => -part);
}

/** The sum as one double (rounded from the exact value). */
export function exactValue(sum: ExactSum | undefined): number {
	if (sum === undefined) return 0;
	if (typeof sum === 'number') return sum;
	let total = 0;
	// Largest last: adding the small partials first loses the least.
	for (const part of sum) total += part;
	return total;
}

function grow(partials: number[], value: number): number[] {
	let x = value;
	let used = 0;
	for (let j = 0; j < partials.length; j++) {
		let y = partials[j];
		if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
		const hi = x + y;
		const lo = y - (hi - x);
		if (lo !== 0) partials[used++] = lo;
		x = hi;
	}
	partials.length = used;
	if (x !== 0 || used === 0) partials.push(x);
	return partials;
}
