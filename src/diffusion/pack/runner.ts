/**
 * Runs pack sessions for one job and keeps the clock: time inside onnxruntime per network, so a
 * job can report its own overhead (everything that is not a session run).
 */
import type { OnnxSession, OnnxTensor } from '../../backends/onnx.js';

export interface OnnxTimings {
  textEncoderMs: number;
  vaeEncoderMs: number;
  /** One entry per UNet step (both CFG halves together when the UNet runs twice). */
  unetMs: number[];
  vaeDecoderMs: number;
}

export type TimedNetwork = 'textEncoder' | 'vaeEncoder' | 'unet' | 'vaeDecoder';

export interface OnnxRunner {
  readonly timings: OnnxTimings;
  /** Total milliseconds inside session runs. */
  readonly totalMs: number;
  run(network: TimedNetwork, session: OnnxSession, feeds: Readonly<Record<string, OnnxTensor>>, outputs: readonly string[]): Promise<Record<string, OnnxTensor>>;
  /** Start a new UNet step entry. */
  beginStep(): void;
}

export function createOnnxRunner(): OnnxRunner {
  const timings: OnnxTimings = { textEncoderMs: 0, vaeEncoderMs: 0, unetMs: [], vaeDecoderMs: 0 };
  let totalMs = 0;
  return {
    timings,
    get totalMs() {
      return totalMs;
    },
    beginStep() {
      timings.unetMs.push(0);
    },
    async run(network, session, feeds, outputs) {
      const start = performance.now();
      const result = await session.run(feeds, outputs);
      const ms = performance.now() - start;
      totalMs += ms;
      if (network === 'unet') {
        if (timings.unetMs.length === 0) timings.unetMs.push(0);
        timings.unetMs[timings.unetMs.length - 1] += ms;
      } else {
        timings[`${network}Ms`] += ms;
      }
      return result;
    },
  };
}
