/**
 * Region of interest: an inclusive pixel rectangle. Per-face work runs inside one so that a group
 * photo costs in proportion to its faces, not faces x image size.
 */
import type { Box } from '../../core/types.js';

export interface Roi {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function fullRoi(width: number, height: number): Roi {
  return { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
}

/** `box` grown by `margin` (a fraction of its larger side) on every side, clipped to the image. */
export function roiOfBox(box: Box, margin: number, width: number, height: number): Roi {
  const m = Math.max(box.width, box.height) * margin;
  return {
    x0: Math.max(0, Math.floor(box.x - m)),
    y0: Math.max(0, Math.floor(box.y - m)),
    x1: Math.min(width - 1, Math.ceil(box.x + box.width + m)),
    y1: Math.min(height - 1, Math.ceil(box.y + box.height + m)),
  };
}

