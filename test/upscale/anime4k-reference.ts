/**
 * An independent, deliberately plain TypeScript Anime4K CNN-x2 forward pass, written from the
 * websr WebGPU shaders (per-pixel mat4 × vec4 over RGBA textures / vec4 buffers), not from
 * src/upscale. Input and output: float RGB, planar [3][H][W] in 0..1.
 */
type Vec4 = [number, number, number, number];
type Buffer4 = Float32Array; // H*W*4, pixel-interleaved like the shaders' vec4 buffers
interface JsonLayer {
  weights: number[];
  bias: number[];
}

// The shaders' kernel_offsets: (x, y) per tap.
const OFFSETS: [number, number][] = [
  [-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 0], [0, 1], [1, -1], [1, 0], [1, 1],
];

function mulMat(weights: number[], m: number, v: Vec4, acc: Vec4): void {
  // WGSL mat4x4f is column-major: column c holds the weights of input component c.
  for (let c = 0; c < 4; c++) {
    for (let o = 0; o < 4; o++) acc[o] += weights[16 * m + 4 * c + o] * v[c];
  }
}

const pos = (v: Vec4): Vec4 => [Math.max(v[0], 0), Math.max(v[1], 0), Math.max(v[2], 0), Math.max(v[3], 0)];
const neg = (v: Vec4): Vec4 => [Math.max(-v[0], 0), Math.max(-v[1], 0), Math.max(-v[2], 0), Math.max(-v[3], 0)];

export function anime4kReference(json: { name: string; layers: Record<string, JsonLayer> }, rgb: Float32Array, w: number, h: number): Float32Array {
  const L = json.layers;
  const clampX = (x: number) => Math.min(w - 1, Math.max(0, x));
  const clampY = (y: number) => Math.min(h - 1, Math.max(0, y));
  const read = (buf: Buffer4, x: number, y: number): Vec4 => {
    const i = (clampY(y) * w + clampX(x)) * 4;
    return [buf[i], buf[i + 1], buf[i + 2], buf[i + 3]];
  };
  const texture = new Float32Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    texture[i * 4] = rgb[i];
    texture[i * 4 + 1] = rgb[w * h + i];
    texture[i * 4 + 2] = rgb[2 * w * h + i];
    texture[i * 4 + 3] = 1; // opaque RGBA texture
  }

  // Generic per-pixel layer: fn(x, y, acc) accumulates, then bias is added.
  const layer = (bias: number[] | null, fn: (x: number, y: number, acc: Vec4) => void): Buffer4 => {
    const out = new Float32Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const acc: Vec4 = [0, 0, 0, 0];
        fn(x, y, acc);
        for (let o = 0; o < 4; o++) out[(y * w + x) * 4 + o] = acc[o] + (bias ? bias[o] : 0);
      }
    }
    return out;
  };
  const conv3x4 = (l: JsonLayer) =>
    layer(l.bias, (x, y, acc) => OFFSETS.forEach(([dx, dy], i) => mulMat(l.weights, i, read(texture, x + dx, y + dy), acc)));
  const conv8x4 = (l: JsonLayer, src: Buffer4) =>
    layer(l.bias, (x, y, acc) =>
      OFFSETS.forEach(([dx, dy], i) => {
        const v = read(src, x + dx, y + dy);
        mulMat(l.weights, i, pos(v), acc);
        mulMat(l.weights, i + 9, neg(v), acc);
      }),
    );
  const conv16x4 = (l: JsonLayer, a: Buffer4, b: Buffer4) =>
    layer(l.bias, (x, y, acc) =>
      OFFSETS.forEach(([dx, dy], i) => {
        const va = read(a, x + dx, y + dy);
        const vb = read(b, x + dx, y + dy);
        mulMat(l.weights, i, pos(va), acc);
        mulMat(l.weights, i + 9, pos(vb), acc);
        mulMat(l.weights, i + 18, neg(va), acc);
        mulMat(l.weights, i + 27, neg(vb), acc);
      }),
    );
  const conv56x4 = (l: JsonLayer, srcs: Buffer4[]) =>
    layer(l.bias, (x, y, acc) =>
      srcs.forEach((s, i) => {
        const v = read(s, x, y);
        mulMat(l.weights, 2 * i, pos(v), acc);
        mulMat(l.weights, 2 * i + 1, neg(v), acc);
      }),
    );
  // websr splits the L net's 112-input layer in two halves plus a bias-adding concat; same sum.
  const conv112x4 = (l: JsonLayer, a: Buffer4[], b: Buffer4[]) =>
    layer(l.bias, (x, y, acc) =>
      a.forEach((_, i) => {
        const va = read(a[i], x, y);
        const vb = read(b[i], x, y);
        mulMat(l.weights, 4 * i, pos(va), acc);
        mulMat(l.weights, 4 * i + 2, neg(va), acc);
        mulMat(l.weights, 4 * i + 1, pos(vb), acc);
        mulMat(l.weights, 4 * i + 3, neg(vb), acc);
      }),
    );

  let residuals: Buffer4[]; // 1 (shared by R, G, B) or 3 buffers
  if (json.name.endsWith('-s')) {
    let b = conv3x4(L.conv2d_tf);
    b = conv8x4(L.conv2d_1_tf, b);
    b = conv8x4(L.conv2d_2_tf, b);
    residuals = [conv8x4(L.conv2d_last_tf, b)];
  } else if (json.name.endsWith('-m')) {
    const bufs = [conv3x4(L.conv2d_tf)];
    for (let i = 1; i <= 6; i++) bufs.push(conv8x4(L[`conv2d_${i}_tf`], bufs[i - 1]));
    residuals = ['conv2d_7_tf', 'conv2d_7_tf1', 'conv2d_7_tf2'].map((n) => conv56x4(L[n], bufs));
  } else {
    const a = [conv3x4(L.conv2d_tf)];
    const b = [conv3x4(L.conv2d_tf1)];
    for (let i = 1; i <= 6; i++) {
      a.push(conv16x4(L[`conv2d_${i}_tf`], a[i - 1], b[i - 1]));
      b.push(conv16x4(L[`conv2d_${i}_tf1`], a[i - 1], b[i - 1]));
    }
    residuals = ['conv2d_last_tf', 'conv2d_last_tf1', 'conv2d_last_tf2'].map((n) => conv112x4(L[n], a, b));
  }

  // Display pass: bilinear sample of the input at the output pixel centre + the sub-pixel residual.
  const W = 2 * w;
  const H = 2 * h;
  const out = new Float32Array(3 * W * H);
  for (let Y = 0; Y < H; Y++) {
    for (let X = 0; X < W; X++) {
      const sx = (X + 0.5) / 2 - 0.5;
      const sy = (Y + 0.5) / 2 - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const i = (Y >> 1) * w + (X >> 1);
      const sub = (X & 1) + 2 * (Y & 1);
      for (let c = 0; c < 3; c++) {
        const p = (x: number, y: number) => rgb[c * w * h + clampY(y) * w + clampX(x)];
        const bilinear =
          (1 - fy) * ((1 - fx) * p(x0, y0) + fx * p(x0 + 1, y0)) + fy * ((1 - fx) * p(x0, y0 + 1) + fx * p(x0 + 1, y0 + 1));
        const r = residuals[residuals.length === 1 ? 0 : c][i * 4 + sub];
        out[c * W * H + Y * W + X] = Math.min(1, Math.max(0, bilinear + r));
      }
    }
  }
  return out;
}
