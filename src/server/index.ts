/** The HTTP service: configuration, the Fastify app over a queue and storage, and the whole wired service. */
export { createApp } from './app.js';
export type { AppOptions } from './app.js';
export { resolveServerConfig } from './config.js';
export type { ServerConfig, ServerConfigOptions } from './config.js';
export { startService } from './service.js';
export type { Service, ServiceOptions } from './service.js';
export { toErrorAnswer, HttpError, STATUS_BY_CODE } from './http-errors.js';
export type { HttpErrorCode } from './http-errors.js';
export { openApiDocument } from './openapi.js';
export { createUrlSigner } from './signed-url.js';
export type { UrlSigner, UrlSignerOptions, SignatureCheck } from './signed-url.js';
