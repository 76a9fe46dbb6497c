/**
 * The one place where errors become HTTP answers: library AnimeMeError codes, queue rejections and
 * Fastify's own errors all turn into `{error: {code, message}}` with a fitting status. Anything caused
 * by the request is a 4xx; a 5xx says only "internal error" and never carries a stack.
 */
import type { FastifyError } from 'fastify';
import { isAnimeMeError, type ErrorCode } from '../errors.js';
import { isQueueRejection, isQueueUnavailable } from '../queue/types.js';

/** Codes the HTTP layer adds to the library's (which are all valid here too). */
export type HttpErrorCode =
  | ErrorCode
  | 'NOT_FOUND'
  | 'NOT_READY'
  | 'QUEUE_FULL'
  | 'CLIENT_LIMIT'
  | 'RATE_LIMITED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'QUEUE_UNAVAILABLE'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_EXPIRED'
  | 'WEBHOOK_NOT_ALLOWED';

export const STATUS_BY_CODE: Record<HttpErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  EMPTY_INPUT: 400,
  // A webhook to loopback, a private network, link-local or cloud metadata (server-side request forgery guard).
  WEBHOOK_NOT_ALLOWED: 400,
  CORRUPT_IMAGE: 400,
  UNSUPPORTED_TYPE: 415,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_PIXELS: 422,
  TOO_LARGE: 413,
  // The photo or result was refused by the moderation hook: the request was understood, the content is not processed.
  FLAGGED: 422,
  // Result links without a valid, unexpired signature (G18; imgproxy answers 403 too).
  SIGNATURE_INVALID: 403,
  SIGNATURE_EXPIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_READY: 409,
  QUEUE_FULL: 429,
  CLIENT_LIMIT: 429,
  RATE_LIMITED: 429,
  CANCELLED: 409,
  TIMEOUT: 504,
  MODEL_MISSING: 503,
  MODEL_INVALID: 503,
  // Redis (the job queue) cannot be reached: nothing is wrong with the request, try again shortly.
  QUEUE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly statusCode: number;
  readonly headers: Record<string, string>;

  constructor(code: HttpErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.statusCode = STATUS_BY_CODE[code];
    this.headers = headers;
  }
}

export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string } };
  headers: Record<string, string>;
  /** True when the cause was on our side (log it). */
  internal: boolean;
}

/** Fastify/plugin error codes for problems with the request itself. */
const FASTIFY_CLIENT_ERRORS: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'TOO_LARGE',
  FST_PARTS_LIMIT: 'TOO_LARGE',
  FST_FILES_LIMIT: 'TOO_LARGE',
  FST_FIELDS_LIMIT: 'TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_ARGUMENT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_ARGUMENT',
  FST_PROTO_VIOLATION: 'INVALID_ARGUMENT',
  FST_MP_PREMATURE_CLOSE: 'INVALID_ARGUMENT',
  FST_ERR_VALIDATION: 'INVALID_ARGUMENT',
};

export function toErrorAnswer(error: unknown): ErrorAnswer {
  const answer = (code: HttpErrorCode, message: string, headers: Record<string, string> = {}): ErrorAnswer => ({
    status: STATUS_BY_CODE[code],
    body: { error: { code, message } },
    headers,
    internal: STATUS_BY_CODE[code] >= 500,
  });
  if (error instanceof HttpError) return answer(error.code, error.message, error.headers);
  if (isQueueRejection(error)) return answer(error.code, error.message, { 'retry-after': String(error.retryAfterSeconds) });
  if (isQueueUnavailable(error)) {
    // Expected while Redis is away: say so plainly, and do not log it as an internal error per request.
    return { ...answer('QUEUE_UNAVAILABLE', error.message, { 'retry-after': String(error.retryAfterSeconds) }), internal: false };
  }
  if (isAnimeMeError(error)) {
    if (error.code === 'INTERNAL') return answer('INTERNAL', 'Internal error; please try again.');
    return answer(error.code, error.message);
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  const mapped = fastifyError?.code ? FASTIFY_CLIENT_ERRORS[fastifyError.code] : undefined;
  if (mapped) {
    const message = mapped === 'TOO_LARGE' ? 'The upload is too large.' : (fastifyError?.message ?? 'Bad request.');
    return answer(mapped, message);
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Any other client error a plugin raises (e.g. a malformed header): keep its status, hide internals.
    const code: HttpErrorCode = status === 404 ? 'NOT_FOUND' : status === 413 ? 'TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_ARGUMENT';
    return { status, body: { error: { code, message: fastifyError?.message ?? 'Bad request.' } }, headers: {}, internal: false };
  }
  return answer('INTERNAL', 'Internal error; please try again.');
}
