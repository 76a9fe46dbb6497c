/**
 * Split an image into overlapping tiles for a fully convolutional ×2 network, so memory stays
 * bounded and progress/cancellation can happen between runs. With a halo at least the network's
 * receptive radius, the stitched result equals the whole-image result exactly (edge padding only
 * ever touches pixels inside the discarded halo, except at true image borders, where it belongs).
 */
import type { RgbImage } from '../core/raster.js';

export interface Tile {
  /** The region whose ×2 output is kept (input pixels). */
  core: { x: number; y: number; width: number; height: number };
  /** The region fed to the network: core grown by the halo, clipped to the image. */
  read: { x: number; y: number; width: number; height: number };
}

function splits(length: number, parts: number): number[] {
  const edges = [0];
  for (let i = 1; i <= parts; i++) edges.push(Math.round((length * i) / parts));
  return edges;
}

/** Tiles covering the image; one tile (no halo) when it fits in tileSize × tileSize pixels. */
export function planTiles(width: number, height: number, tileSize: number, halo: number): Tile[] {
  if (width * height <= tileSize * tileSize) {
    return [{ core: { x: 0, y: 0, width, height }, read: { x: 0, y: 0, width, height } }];
  }
  const xs = splits(width, Math.ceil(width / tileSize));
  const ys = splits(height, Math.ceil(height / tileSize));
  const tiles: Tile[] = [];
  for (let j = 0; j + 1 < ys.length; j++) {
    for (let i = 0; i + 1 < xs.length; i++) {
      const x0 = Math.max(0, xs[i] - halo);
      const y0 = Math.max(0, ys[j] - halo);
      const x1 = Math.min(width, xs[i + 1] + halo);
      const y1 = Math.min(height, ys[j + 1] + halo);
      tiles.push({
        core: { x: xs[i], y: ys[j], width: xs[i + 1] - xs[i], height: ys[j + 1] - ys[j] },
        read: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
      });
    }
  }
  return tiles;
}

/** Copy a rectangle of an RGB image into a new tightly packed buffer (row copies, no per-pixel work). */
export function cropRgb(image: RgbImage, rect: Tile['read']): Uint8Array {
  if (rect.x === 0 && rect.y === 0 && rect.width === image.width && rect.height === image.height) return image.data;
  const out = new Uint8Array(rect.width * rect.height * 3);
  const rowBytes = rect.width * 3;
  for (let y = 0; y < rect.height; y++) {
    const start = ((rect.y + y) * image.width + rect.x) * 3;
    out.set(image.data.subarray(start, start + rowBytes), y * rowBytes);
  }
  return out;
}

/**
 * Paste the kept part of a tile's ×`scale` output (`tileOut`, size read×scale) into `target`
 * (the whole ×`scale` image).
 */
export function pasteTile(target: RgbImage, tileOut: Uint8Array, tile: Tile, scale: number): void {
  const outWidth = tile.read.width * scale;
  const offX = (tile.core.x - tile.read.x) * scale;
  const offY = (tile.core.y - tile.read.y) * scale;
  const rowBytes = tile.core.width * scale * 3;
  const rows = tile.core.height * scale;
  for (let y = 0; y < rows; y++) {
    const src = ((offY + y) * outWidth + offX) * 3;
    const dst = ((tile.core.y * scale + y) * target.width + tile.core.x * scale) * 3;
    target.data.set(tileOut.subarray(src, src + rowBytes), dst);
  }
}
