/** Operations routes: liveness (/healthz), Prometheus metrics (/metrics) and the OpenAPI document (/docs). */
import type { FastifyInstance } from 'fastify';
import { EMBEDDED_STYLES } from '../core/types.js';
import { listStyleNames } from '../describe/index.js';
import type { AppContext } from './context.js';
import { openApiDocument } from './openapi.js';

const STARTED = Date.now();

export function registerOpsRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Cheap on purpose: no image work, cached queue numbers. It must answer while jobs run (G11).
  app.get('/healthz', async (_request, reply) => {
    let queue: Record<string, unknown> = { kind: ctx.queue.kind };
    let status = 'ok';
    try {
      queue = { ...queue, ...(await ctx.stats()) };
    } catch {
      status = 'degraded'; // e.g. Redis unreachable: the process is alive but cannot take jobs
    }
    return reply
      .code(status === 'ok' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status, uptimeSeconds: Math.round((Date.now() - STARTED) / 1000), queue, eventStreams: ctx.streams.size, ...ctx.health() });
  });

  app.get('/metrics', async (_request, reply) => {
    const stats = await ctx.stats().catch(() => undefined);
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(ctx.metrics.render(stats));
  });

  // What the web page needs to know about this deployment (styles, limits, how long results live).
  const publicConfig = {
    styles: ['auto', ...EMBEDDED_STYLES],
    presets: listStyleNames().filter((name) => !(EMBEDDED_STYLES as readonly string[]).includes(name)),
    maxUploadBytes: ctx.config.maxUploadBytes,
    maxSize: ctx.config.maxOutputSize,
    resultTtlSeconds: Math.round(ctx.config.resultTtlMs / 1000),
  };
  app.get('/api/v1/config', async (_request, reply) => reply.header('cache-control', 'public, max-age=60').send(publicConfig));

  const document = openApiDocument(ctx.config);
  app.get('/docs', async (_request, reply) => reply.header('cache-control', 'no-cache').send(document));
  app.get('/openapi.json', async (_request, reply) => reply.send(document));
}
