/**
 * Content moderation hook (reliability.md G19). The pipeline calls it twice per run: on the decoded
 * input (phase 'input', before any work is spent on it) and on the finished image (phase 'output',
 * before anything is composed or encoded). A flagged image ends the run with an AnimeMeError of code
 * FLAGGED, so a flagged output is never encoded, returned or stored; there is no "blank it and carry
 * on" mode, because a silent black image looks like a bug to users and hides the decision from
 * callers.
 *
 * Off by default: `createPipeline` runs no hook unless `components.moderation` is set. anime-me ships
 * no classifier, so a public service must plug one in (the diffusers safety checker's advice: do not
 * expose unfiltered results publicly). `allowAll` is the explicit no-op, for wiring and tests.
 *
 * The check fails closed: a hook that throws, or answers with something that is not a verdict, stops
 * the run (its own AnimeMeError code is kept; anything else becomes INTERNAL). A broken classifier
 * must not let everything through.
 */
import type { RgbImage } from '../core/raster.js';
import { AnimeMeError } from '../errors.js';
import { throwIfAborted } from './options.js';

export type ModerationPhase = 'input' | 'output';

export interface ModerationContext {
  /** The run's AbortSignal, when it has one: a slow remote check should stop when the job is cancelled. */
  signal?: AbortSignal;
  /** The input's detected format and upright size before any shrink. */
  input: { format: string; width: number; height: number };
  /** Output phase only: the style the result was made in. */
  style?: string;
}

export interface ModerationVerdict {
  flagged: boolean;
  /** For people and logs, e.g. "nudity score 0.93"; one line. Put no personal data here. */
  reason?: string;
  /** The classifier's own machine-readable category, e.g. "nsfw" (letters, digits, `._-`, ≤ 64). */
  code?: string;
}

/**
 * `image` is the pipeline's working copy: read it, never change it (it is passed on unchanged).
 * Input images are at most the run's output size on their long side; output images are the result.
 */
export type ModerationHook = (image: RgbImage, phase: ModerationPhase, context: ModerationContext) => Promise<ModerationVerdict>;

/** The no-op hook: never flags. */
export const allowAll: ModerationHook = async () => ({ flagged: false });

const REASON_MAX = 200;
const CATEGORY = /^[A-Za-z0-9._-]{1,64}$/;

/** Whitespace collapsed to one line and cut to REASON_MAX, so a hook cannot break the message shape. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > REASON_MAX ? `${line.slice(0, REASON_MAX - 3)}...` : line;
}

/** Run `hook` on `image`; resolves when it passes, throws AnimeMeError (FLAGGED or the failure) otherwise. */
export async function moderate(hook: ModerationHook, image: RgbImage, phase: ModerationPhase, context: ModerationContext): Promise<void> {
  throwIfAborted(context.signal);
  let verdict: unknown;
  try {
    verdict = await hook(image, phase, context);
  } catch (error) {
    if (error instanceof AnimeMeError) throw error;
    const why = oneLine(error instanceof Error ? error.message : String(error)) || 'no reason given';
    throw new AnimeMeError('INTERNAL', `The ${phase} moderation check failed (${why}); nothing was produced`, { cause: error, details: { phase } });
  }
  if (typeof verdict !== 'object' || verdict === null || typeof (verdict as ModerationVerdict).flagged !== 'boolean') {
    throw new AnimeMeError('INTERNAL', `The ${phase} moderation check gave no verdict ({ flagged: boolean } expected); nothing was produced`, {
      details: { phase },
    });
  }
  const { flagged, reason, code } = verdict as ModerationVerdict;
  if (!flagged) return;
  const why = typeof reason === 'string' && reason.trim() !== '' ? oneLine(reason) : undefined;
  const category = typeof code === 'string' && CATEGORY.test(code) ? code : undefined;
  const what = phase === 'input' ? 'The photo' : 'The result';
  const label = [category, why].filter((s) => s !== undefined).join(': ');
  throw new AnimeMeError('FLAGGED', `${what} was flagged by content moderation${label ? ` (${label})` : ''}`, {
    details: { phase, ...(category ? { moderationCode: category } : {}), ...(why ? { reason: why } : {}) },
  });
}
