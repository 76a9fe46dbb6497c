import { scratchInt } from './scratch.js';

/**
 * Connected regions of equal label (4-connected), the unit that cel shading colours flat.
 */

export interface Regions {
  /** Region id per pixel, 0..count-1. */
  ids: Int32Array;
  count: number;
}

export function connectedRegions(labels: Uint8Array | Uint16Array | Int32Array, width: number, height: number): Regions {
  const n = width * height;
  const ids = new Int32Array(n).fill(-1);
  const stack = scratchInt('regions.stack', n);
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (ids[start] !== -1) continue;
    const label = labels[start];
    let top = 0;
    stack[top++] = start;
    ids[start] = count;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      if (x > 0 && ids[i - 1] === -1 && labels[i - 1] === label) {
        ids[i - 1] = count;
        stack[top++] = i - 1;
      }
      if (x < width - 1 && ids[i + 1] === -1 && labels[i + 1] === label) {
        ids[i + 1] = count;
        stack[top++] = i + 1;
      }
      if (i >= width && ids[i - width] === -1 && labels[i - width] === label) {
        ids[i - width] = count;
        stack[top++] = i - width;
      }
      if (i + width < n && ids[i + width] === -1 && labels[i + width] === label) {
        ids[i + width] = count;
        stack[top++] = i + width;
      }
    }
    count++;
  }
  return { ids, count };
}

/**
 * 8-connected components of a binary mask (value > threshold). Returns ids (-1 outside) and sizes.
 */
export function maskComponents(
  mask: Uint8Array | Float32Array,
  width: number,
  height: number,
  threshold: number,
): { ids: Int32Array; sizes: number[]; touchesBorder: boolean[] } {
  const n = width * height;
  const ids = new Int32Array(n).fill(-1);
  const stack = scratchInt('components.stack', n);
  const sizes: number[] = [];
  const touchesBorder: boolean[] = [];
  for (let start = 0; start < n; start++) {
    if (ids[start] !== -1 || !(mask[start] > threshold)) continue;
    const id = sizes.length;
    let size = 0;
    let border = false;
    let top = 0;
    stack[top++] = start;
    ids[start] = id;
    while (top > 0) {
      const i = stack[--top];
      size++;
      const x = i % width;
      const y = (i - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (ids[j] === -1 && mask[j] > threshold) {
            ids[j] = id;
            stack[top++] = j;
          }
        }
      }
    }
    sizes.push(size);
    touchesBorder.push(border);
  }
  return { ids, sizes, touchesBorder };
}
