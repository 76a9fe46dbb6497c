/**
 * Rough time-left estimates for the web page, learnt from finished jobs' stage timings (moving
 * averages), seeded with what a job takes on a small 2-core CPU box so the first users see something.
 */
import type { StageName } from '../core/types.js';
import type { JobRecord } from '../queue/types.js';

/** Milliseconds per stage of a 1024 px job on a 2-core CPU (measured with the CLI). */
const SEED_STAGE_MS: Record<StageName, number> = {
  decode: 20,
  analyse: 2200,
  describe: 5,
  stylize: 1800,
  upscale: 1400,
  compose: 400,
  encode: 450,
};
const ORDER: StageName[] = ['decode', 'analyse', 'describe', 'stylize', 'upscale', 'compose', 'encode'];
const WEIGHT = 0.3;

export interface EtaEstimator {
  learn(timings: Partial<Record<StageName, number>>): void;
  /** Seconds until the job is done, or undefined when it is finished. */
  secondsLeft(record: Pick<JobRecord, 'state' | 'position' | 'progress' | 'options'>, concurrency: number): number | undefined;
  /** Average whole-job seconds (with composite). */
  jobSeconds(): number;
}

export function createEtaEstimator(): EtaEstimator {
  const stageMs: Record<StageName, number> = { ...SEED_STAGE_MS };
  const total = (composite: boolean) => ORDER.reduce((sum, s) => sum + (s === 'compose' && !composite ? 0 : stageMs[s]), 0);
  return {
    learn(timings) {
      for (const stage of ORDER) {
        const ms = timings[stage];
        if (typeof ms === 'number' && Number.isFinite(ms)) stageMs[stage] = stageMs[stage] * (1 - WEIGHT) + ms * WEIGHT;
      }
    },
    secondsLeft(record, concurrency) {
      const composite = record.options.composite === true;
      const whole = total(composite);
      if (record.state === 'queued') {
        // Ahead of us: (position - 1) whole jobs shared among the workers, plus on average half of the
        // jobs running now, then our own.
        const position = record.position ?? 1;
        return round(((position - 0.5) / Math.max(1, concurrency)) * whole + whole);
      }
      if (record.state === 'running') {
        const progress = record.progress;
        if (!progress) return round(whole);
        let left = 0;
        let seen = false;
        for (const stage of ORDER) {
          if (stage === 'compose' && !composite) continue;
          if (stage === progress.stage) {
            seen = true;
            left += stageMs[stage] * (1 - Math.min(1, Math.max(0, progress.progress)));
          } else if (seen) {
            left += stageMs[stage];
          }
        }
        return round(left);
      }
      return undefined;
    },
    jobSeconds: () => total(true) / 1000,
  };
}

function round(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}
