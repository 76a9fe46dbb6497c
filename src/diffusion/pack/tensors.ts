/**
 * The float boundary: the pipeline computes in float32; fp16 packs get float16 tensors at the
 * session boundary and give float16 back, converted here and nowhere else.
 */
import type { OnnxTensor } from '../../backends/onnx.js';
import { float16BitsToFloat32, toFloat16Array } from '../../onnx/index.js';
import { AnimeMeError } from '../../errors.js';
import type { FloatType, TimestepType } from './signature.js';

export function floatTensor(data: Float32Array, dims: readonly number[], type: FloatType): OnnxTensor {
  return type === 'float16' ? { type, data: toFloat16Array(data), dims } : { type, data, dims };
}

/** float16 → float32 by table: 65536 entries, built once, makes fp16 outputs as cheap as a copy. */
let halfTable: Float32Array | undefined;

export function readFloats(tensor: OnnxTensor, what: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') {
    if (!halfTable) {
      halfTable = new Float32Array(65536);
      for (let i = 0; i < 65536; i++) halfTable[i] = float16BitsToFloat32(i);
    }
    const bits = tensor.data as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
    return out;
  }
  throw new AnimeMeError('MODEL_INVALID', `${what} returned ${tensor.type} values; expected float32 or float16`);
}

/** The UNet's timestep feed in the export's dtype and rank (legacy: [B], optimum: a scalar). */
export function timestepTensor(timestep: number, type: TimestepType, rank: 0 | 1, batch: number): OnnxTensor {
  const count = rank === 0 ? 1 : batch;
  const dims = rank === 0 ? [] : [batch];
  switch (type) {
    case 'int64':
      // Euler's interpolated timesteps are fractional: an integer export gets the nearest one.
      return { type, data: new BigInt64Array(count).fill(BigInt(Math.round(timestep))), dims };
    case 'int32':
      return { type, data: new Int32Array(count).fill(Math.round(timestep)), dims };
    case 'float16':
      return floatTensor(new Float32Array(count).fill(timestep), dims, 'float16');
    case 'float32':
      return { type, data: new Float32Array(count).fill(timestep), dims };
  }
}

export function idsTensor(ids: ArrayLike<number>, dims: readonly number[], type: 'int32' | 'int64'): OnnxTensor {
  return type === 'int64'
    ? { type, data: BigInt64Array.from(Array.from(ids, (v) => BigInt(v))), dims }
    : { type, data: Int32Array.from(ids), dims };
}
