/**
 * Turn whatever sharp/libvips throws into an AnimeMeError with a stable code and a one-line reason,
 * so no raw native error (multi-line, full of libvips internals) reaches a caller.
 */
import { AnimeMeError, type ErrorCode } from '../errors.js';

/** First line of a libvips message, trimmed to a readable length. */
export function shortReason(value: unknown): string {
  const raw = value instanceof Error ? value.message : String(value);
  const line = raw.split('\n').map((s) => s.trim()).find((s) => s.length > 0) ?? 'unknown error';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function codeFor(reason: string): ErrorCode {
  if (/pixel limit/i.test(reason)) return 'TOO_MANY_PIXELS';
  if (/unsupported image format|is blocked|operation .* blocked/i.test(reason)) return 'UNSUPPORTED_TYPE';
  return 'CORRUPT_IMAGE';
}

/** Wrap an error thrown while reading an input image. `what` names the input, e.g. "JPEG". */
export function wrapDecodeError(error: unknown, what: string): AnimeMeError {
  if (error instanceof AnimeMeError) return error;
  const reason = shortReason(error);
  const code = codeFor(reason);
  const message =
    code === 'TOO_MANY_PIXELS'
      ? `The ${what} image has more pixels than allowed (${reason})`
      : code === 'UNSUPPORTED_TYPE'
        ? `The ${what} image uses a variant that cannot be read (${reason})`
        : `The ${what} image is corrupt or truncated (${reason})`;
  return new AnimeMeError(code, message, { cause: error, details: { reason } });
}

/** Wrap an error thrown while encoding or resizing pixels we made ourselves: that is our bug. */
export function wrapInternalError(error: unknown, action: string): AnimeMeError {
  if (error instanceof AnimeMeError) return error;
  const reason = shortReason(error);
  return new AnimeMeError('INTERNAL', `Could not ${action}: ${reason}`, { cause: error, details: { reason } });
}
