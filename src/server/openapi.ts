/** The service's OpenAPI 3.1 description, written by hand next to the routes it documents. */
import { EMBEDDED_STYLES } from '../core/types.js';
import { listStyleNames } from '../describe/index.js';
import { MIN_SIZE } from '../pipeline/options.js';
import type { ServerConfig } from './config.js';
import { MAX_WEBHOOK_URL_LENGTH } from './webhook-policy.js';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } };

export function openApiDocument(config: ServerConfig) {
  const options = {
    style: { type: 'string', enum: ['auto', ...listStyleNames()], default: 'auto', description: `auto picks a preset from the scene; the embedded looks are ${EMBEDDED_STYLES.join(', ')}.` },
    seed: { type: 'integer', minimum: -1, maximum: 4294967295, description: 'Same photo + style + seed → identical image. Missing or -1: a random seed (reported back).' },
    size: { type: 'integer', minimum: MIN_SIZE, maximum: config.maxOutputSize, default: 1024, description: 'Output long side in pixels.' },
    composite: { type: 'boolean', default: false, description: 'Also make the before/after share image.' },
    format: { type: 'string', enum: ['png', 'jpeg', 'webp'], default: 'png', description: 'PNG carries the A1111 `parameters` text.' },
    prompt: { type: 'string', maxLength: 1000, description: 'Replace the generated prompt (recorded in the PNG).' },
    negativePrompt: { type: 'string', maxLength: 1000 },
    people: { type: 'integer', minimum: 0, maximum: 50, description: 'Correct the number of people the analysis found.' },
    genders: { type: 'string', description: 'Correct genders, largest person first: f, m or ?, comma-separated (e.g. "f,m").' },
    webhook: {
      type: 'string',
      format: 'uri',
      maxLength: MAX_WEBHOOK_URL_LENGTH,
      description:
        'http(s) URL that gets one signed POST (see callbacks) when the job ends: done, failed or cancelled. ' +
        (config.webhookAllowPrivate
          ? 'This server allows private, loopback and link-local targets (operator opt-in); cloud metadata addresses are always refused.'
          : 'Loopback, private, link-local, cloud metadata and reserved addresses are refused (400 WEBHOOK_NOT_ALLOWED), also when a host name resolves to one, at submission and again at delivery.'),
    },
  };
  const webhookCallback = {
    '{$request.body#/webhook}': {
      post: {
        summary: 'The job ended',
        description:
          `Sent once per job, with up to ${config.webhookAttempts} attempts (${Math.round(config.webhookTimeoutMs / 1000)} s timeout each, retried on network errors, timeouts, 408, 429 and 5xx; redirects are not followed). ` +
          'Verify `X-Anime-Me-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 with the shared webhook secret over "<t>.<raw body>", compared in constant time; refuse a t more than a few minutes old. ' +
          'The outcome shows in the job as `webhook`.',
        parameters: [
          { name: 'X-Anime-Me-Signature', in: 'header', required: true, schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' } },
          { name: 'X-Anime-Me-Event', in: 'header', required: true, schema: { type: 'string', enum: ['job.done', 'job.failed', 'job.cancelled'] } },
          { name: 'X-Anime-Me-Delivery', in: 'header', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookPayload' } } } },
        responses: { '2XX': { description: 'Received; anything else counts as a failed attempt' } },
      },
    },
  };
  const signedNote =
    'Only through the signed link in the job (result.url / composite.url): exp is a unix time (the result expiry), sig the base64url HMAC-SHA256 of "<path>\\n<exp>". Links are valid until exp.';
  const signedParams = [
    { name: 'exp', in: 'query', required: true, schema: { type: 'string' } },
    { name: 'sig', in: 'query', required: true, schema: { type: 'string' } },
  ];
  const forbidden = error('SIGNATURE_INVALID (missing, wrong or for another file) or SIGNATURE_EXPIRED');
  const unavailable = { ...error('QUEUE_UNAVAILABLE: the job queue (Redis) is unreachable; try again after Retry-After seconds'), headers: { 'Retry-After': { schema: { type: 'integer' } } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'anime-me',
      version: '1',
      description:
        'Turn one photo into an anime picture. Submit a job, follow it (GET or Server-Sent Events), download the result. ' +
        `Results and uploads are deleted ${Math.round(config.resultTtlMs / 60000)} minutes after the job finishes. Every error is {error: {code, message}}.`,
    },
    paths: {
      '/api/v1/jobs': {
        post: {
          summary: 'Submit a photo',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', format: 'binary' }, ...options } },
              },
              'application/json': {
                schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', description: 'Base64 or a data: URL' }, ...options } },
              },
            },
          },
          responses: {
            202: { description: 'Accepted', headers: { Location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
            400: error('EMPTY_INPUT, CORRUPT_IMAGE, INVALID_ARGUMENT (message: "Expected … for <field> but received …") or WEBHOOK_NOT_ALLOWED'),
            413: error(`TOO_LARGE: the upload is over ${config.maxUploadBytes} bytes`),
            415: error('UNSUPPORTED_TYPE (not JPEG/PNG/WebP/AVIF) or UNSUPPORTED_MEDIA_TYPE'),
            422: error('TOO_MANY_PIXELS'),
            429: { ...error('QUEUE_FULL, CLIENT_LIMIT or RATE_LIMITED'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
            503: unavailable,
          },
          callbacks: { jobEnded: webhookCallback },
        },
      },
      '/api/v1/jobs/{id}': {
        get: { summary: 'Read a job', parameters: [idParam], responses: { 200: { description: 'The job', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } }, 404: error('NOT_FOUND (unknown or expired)'), 503: unavailable } },
        delete: { summary: 'Cancel or delete a job and its files', parameters: [idParam], responses: { 204: { description: 'Deleted' }, 404: error('NOT_FOUND') } },
      },
      '/api/v1/jobs/{id}/events': {
        get: {
          summary: 'Live progress (Server-Sent Events)',
          description: 'Events: `state` (the job, first), `position` {position, etaSeconds}, `running`, `progress` {stage, progress, etaSeconds}, then `done` or `failed` (the job); the stream then ends.',
          parameters: [idParam],
          responses: { 200: { description: 'text/event-stream' }, 404: error('NOT_FOUND') },
        },
      },
      '/api/v1/jobs/{id}/result': {
        get: {
          summary: 'The anime image',
          description: signedNote,
          parameters: [idParam, ...signedParams, { name: 'download', in: 'query', schema: { type: 'string' } }],
          responses: { 200: { description: 'image/png, image/jpeg or image/webp' }, 403: forbidden, 404: error('NOT_FOUND'), 409: error('NOT_READY') },
        },
      },
      '/api/v1/jobs/{id}/composite': {
        get: {
          summary: 'The before/after share image (JPEG)',
          description: signedNote,
          parameters: [idParam, ...signedParams, { name: 'download', in: 'query', schema: { type: 'string' } }],
          responses: { 200: { description: 'image/jpeg' }, 403: forbidden, 404: error('NOT_FOUND'), 409: error('NOT_READY') },
        },
      },
      '/sdapi/v1/img2img': {
        post: {
          summary: 'AUTOMATIC1111-compatible img2img (synchronous)',
          description: 'Takes init_images (base64), prompt, negative_prompt, seed, width/height, styles ([a style name]); answers {images: [base64 PNG], parameters, info}. Sampler fields are echoed but the embedded engine ignores them.',
          responses: { 200: { description: 'A1111 response' }, 404: error('Init image not found'), 429: error('QUEUE_FULL') },
        },
      },
      '/sdapi/v1/progress': { get: { summary: 'AUTOMATIC1111-compatible progress of this client’s latest img2img', responses: { 200: { description: 'A1111 progress object' } } } },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'ok' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain' } } } },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
        },
        Accepted: {
          type: 'object',
          properties: { id: { type: 'string' }, position: { type: 'integer' }, seed: { type: 'integer' }, etaSeconds: { type: 'integer' }, links: { type: 'object' } },
        },
        Job: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            state: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
            position: { type: 'integer' },
            progress: { type: 'object', properties: { stage: { type: 'string' }, progress: { type: 'number' } } },
            etaSeconds: { type: 'integer' },
            options: { type: 'object' },
            analysis: { type: 'object', description: 'What the system saw: people, faces, gender/age estimates with confidence, scene type. `reused: true` when the same photo was analysed moments ago ("again, new seed") and that analysis was used.' },
            description: { type: 'object' },
            prompt: { type: 'object', properties: { positive: { type: 'string' }, negative: { type: 'string' } } },
            timings: { type: 'object', additionalProperties: { type: 'number' } },
            result: { type: 'object', properties: { url: { type: 'string' }, mime: { type: 'string' }, width: { type: 'integer' }, height: { type: 'integer' } } },
            composite: { type: 'object', properties: { url: { type: 'string' } } },
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
            expiresAt: { type: 'string', format: 'date-time' },
            webhook: {
              type: 'object',
              description: 'Only for jobs sent with a webhook (its URL is never shown).',
              properties: {
                state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
                attempts: { type: 'integer' },
                status: { type: 'integer', description: "The receiver's last HTTP status" },
                error: { type: 'string', description: 'HTTP_<status>, TIMEOUT, NETWORK, ADDRESS_NOT_ALLOWED (the name resolved to a refused address at delivery) or REDIRECT' },
                at: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
        WebhookPayload: {
          type: 'object',
          required: ['event', 'id', 'state', 'links'],
          properties: {
            event: { type: 'string', enum: ['job.done', 'job.failed', 'job.cancelled'] },
            id: { type: 'string' },
            state: { type: 'string', enum: ['done', 'failed', 'cancelled'] },
            createdAt: { type: 'string', format: 'date-time' },
            startedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: 'string', format: 'date-time' },
            attempts: { type: 'integer' },
            expiresAt: { type: 'string', format: 'date-time', description: 'done: when the result and its links expire' },
            result: { type: 'object', properties: { url: { type: 'string', description: 'Absolute signed link' }, mime: { type: 'string' }, width: { type: 'integer' }, height: { type: 'integer' }, bytes: { type: 'integer' } } },
            composite: { type: 'object', properties: { url: { type: 'string' }, mime: { type: 'string' }, bytes: { type: 'integer' } } },
            timings: { type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per pipeline stage' },
            runMs: { type: 'integer' },
            error: { type: 'object', properties: { code: { type: 'string' } }, description: 'failed or cancelled: the stable error code' },
            links: { type: 'object', properties: { job: { type: 'string', description: 'Absolute URL of the job (GET it for fresh links)' } } },
          },
        },
      },
    },
  };
}
