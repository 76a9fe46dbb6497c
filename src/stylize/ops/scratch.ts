/**
 * Reusable scratch buffers keyed by slot name. Stylizing allocates many full-size float planes per
 * image; reusing them across steps and runs removes most garbage-collection time. Callers must not
 * hold a slot's buffer past the step that borrowed it, and each slot name is used by one step only.
 */

/** Buffers above this many elements are not kept, so one huge image does not pin memory for good. */
const MAX_RETAINED = 1 << 21;

const floats = new Map<string, Float32Array>();
const ints = new Map<string, Int32Array>();

/** A Float32Array of `length` for `slot`; zero-filled when `clear` (fresh buffers always are). */
export function scratchFloat(slot: string, length: number, clear = false): Float32Array {
  let buf = floats.get(slot);
  if (!buf || buf.length < length) {
    buf = new Float32Array(length);
    if (length <= MAX_RETAINED) floats.set(slot, buf);
    return buf.length === length ? buf : buf.subarray(0, length);
  }
  const view = buf.length === length ? buf : buf.subarray(0, length);
  if (clear) view.fill(0);
  return view;
}

/** An Int32Array of `length` for `slot` (contents undefined). */
export function scratchInt(slot: string, length: number): Int32Array {
  let buf = ints.get(slot);
  if (!buf || buf.length < length) {
    buf = new Int32Array(length);
    if (length <= MAX_RETAINED) ints.set(slot, buf);
  }
  return buf.length === length ? buf : buf.subarray(0, length);
}
