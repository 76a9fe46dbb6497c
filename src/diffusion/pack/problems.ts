/**
 * A pack problem: what is wrong, where, and how to fix it. Verification collects every problem
 * (so one `models verify` run lists them all); loading throws on the first list with errors.
 */
import { AnimeMeError } from '../../errors.js';

export interface PackProblem {
  /** 'error' stops the pack from loading; 'warning' is a fallback the loader applies. */
  severity: 'error' | 'warning';
  /** MODEL_MISSING for absent files, MODEL_INVALID for files that are wrong. */
  code: 'MODEL_MISSING' | 'MODEL_INVALID';
  /** Pack-relative part the problem is about: 'unet', 'scheduler', 'tokenizer', … */
  component: string;
  /** The absolute path tried or read. */
  path: string;
  message: string;
  /** How to fix it, when there is a clear fix. */
  fix?: string;
}

export function missing(component: string, path: string, message: string, fix?: string): PackProblem {
  return { severity: 'error', code: 'MODEL_MISSING', component, path, message, ...(fix ? { fix } : {}) };
}

export function invalid(component: string, path: string, message: string, fix?: string): PackProblem {
  return { severity: 'error', code: 'MODEL_INVALID', component, path, message, ...(fix ? { fix } : {}) };
}

export function warning(component: string, path: string, message: string): PackProblem {
  return { severity: 'warning', code: 'MODEL_INVALID', component, path, message };
}

export function formatProblem(problem: PackProblem): string {
  return `${problem.message}${problem.fix ? `; ${problem.fix}` : ''}`;
}

/**
 * Throw the errors among `problems` as one AnimeMeError: MODEL_MISSING when any file is missing
 * (the usual "wrong folder" case), else MODEL_INVALID. Every problem is in the message and details.
 */
export function throwIfErrors(dir: string, problems: readonly PackProblem[]): void {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return;
  const code = errors.some((p) => p.code === 'MODEL_MISSING') ? 'MODEL_MISSING' : 'MODEL_INVALID';
  const list = errors.map(formatProblem);
  const message =
    list.length === 1 ? `Model pack ${dir}: ${list[0]}` : `Model pack ${dir} has ${list.length} problems: ${list.map((m, i) => `(${i + 1}) ${m}`).join(' ')}`;
  throw new AnimeMeError(code, message, { details: { dir, problems: errors } });
}
