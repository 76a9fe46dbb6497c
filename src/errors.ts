/**
 * One error class for the whole library. `code` is stable and machine-readable; the message is one
 * line that says what was wrong and, where possible, how to fix it. HTTP and CLI layers map codes to
 * status codes / exit codes at their edge; the core never knows about HTTP.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'EMPTY_INPUT',
  'UNSUPPORTED_TYPE',
  'CORRUPT_IMAGE',
  'TOO_MANY_PIXELS',
  'TOO_LARGE',
  'TIMEOUT',
  /** A moderation hook flagged the input or the result (see pipeline/moderation.ts). */
  'FLAGGED',
  'CANCELLED',
  'MODEL_MISSING',
  'MODEL_INVALID',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AnimeMeErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AnimeMeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AnimeMeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AnimeMeError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isAnimeMeError(value: unknown): value is AnimeMeError {
  return value instanceof AnimeMeError;
}

/** Wrap anything thrown into an AnimeMeError so callers always see a code. */
export function toAnimeMeError(value: unknown, fallback: ErrorCode = 'INTERNAL'): AnimeMeError {
  if (value instanceof AnimeMeError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new AnimeMeError(fallback, message, { cause: value });
}
