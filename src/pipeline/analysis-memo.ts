/**
 * "Again, new seed" sends the same photo again: its analysis (people, faces, masks, scene) is the
 * same, so it is kept for a short while and reused instead of running the models a second time.
 * Only derived data is kept (never the photo), keyed by a SHA-256 of the uploaded bytes and the
 * sizes the analysis was made at, in a small LRU whose entries also expire: it holds a few photos'
 * worth of person masks at most, and nothing outlives `maxAgeMs`.
 */
import type { SceneAnalysis } from '../core/types.js';

export interface AnalysisMemoOptions {
  /** Most analyses kept (default 4: the photos a few users are retrying right now). */
  entries?: number;
  /** How long one is kept (default 10 minutes: long enough for "again", far inside any result TTL). */
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface AnalysisMemo {
  get(key: string): SceneAnalysis | undefined;
  set(key: string, analysis: SceneAnalysis): void;
  readonly size: number;
}

export const DEFAULT_ANALYSIS_MEMO_ENTRIES = 4;
export const DEFAULT_ANALYSIS_MEMO_MAX_AGE_MS = 10 * 60_000;

export function createAnalysisMemo(options: AnalysisMemoOptions = {}): AnalysisMemo {
  const entries = options.entries ?? DEFAULT_ANALYSIS_MEMO_ENTRIES;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_ANALYSIS_MEMO_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: the first key is the least recently used.
  const kept = new Map<string, { analysis: SceneAnalysis; at: number }>();
  const prune = () => {
    const t = now();
    for (const [key, entry] of kept) if (t - entry.at > maxAgeMs) kept.delete(key);
  };
  return {
    get(key) {
      prune();
      const entry = kept.get(key);
      if (!entry) return undefined;
      kept.delete(key);
      kept.set(key, entry);
      return entry.analysis;
    },
    set(key, analysis) {
      if (entries <= 0) return;
      prune();
      kept.delete(key);
      kept.set(key, { analysis, at: now() });
      while (kept.size > entries) kept.delete(kept.keys().next().value as string);
    },
    get size() {
      prune();
      return kept.size;
    },
  };
}

/** The memo key: what was uploaded, and the sizes the analysis was made at and mapped onto. */
export async function analysisKey(bytes: Uint8Array, sizes: readonly number[]): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return `${hex}:${sizes.join('x')}`;
}
