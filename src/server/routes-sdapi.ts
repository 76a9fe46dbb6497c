/**
 * AUTOMATIC1111-compatible endpoints (conventions.md §1), so tools written for A1111's API can use
 * anime-me: POST /sdapi/v1/img2img (synchronous; the job still goes through the same queue, limits
 * and workers) and GET /sdapi/v1/progress. Differences from A1111 are deliberate: bad images answer
 * 4xx (A1111 answers 500), and sampler/steps/CFG are echoed but the embedded engine ignores them.
 */
import type { FastifyInstance } from 'fastify';
import { formatInfotext } from '../core/png-text.js';
import { listStyleNames } from '../describe/index.js';
import type { JobOptions, JobRecord } from '../queue/types.js';
import { rejectOversizedBody, type AppContext } from './context.js';
import { HttpError, STATUS_BY_CODE, type HttpErrorCode } from './http-errors.js';
import { decodeBase64Image, parseSeed, parseSize } from './job-input.js';

const VERSION = 'anime-me';

interface Img2ImgBody {
  init_images?: unknown;
  prompt?: unknown;
  negative_prompt?: unknown;
  styles?: unknown;
  seed?: unknown;
  width?: unknown;
  height?: unknown;
  denoising_strength?: unknown;
  steps?: unknown;
  cfg_scale?: unknown;
  sampler_name?: unknown;
  include_init_images?: unknown;
  [key: string]: unknown;
}

const text = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new HttpError('INVALID_ARGUMENT', `Expected string for ${name}`);
  return value;
};

export function registerSdapiRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { config, queue } = ctx;
  /** The latest img2img job per client, for /progress (A1111 has one global job; we have many). */
  const latest = new Map<string, { id: string; startedAt: number }>();

  app.post<{ Body: Img2ImgBody }>(
    '/sdapi/v1/img2img',
    {
      onRequest: rejectOversizedBody(ctx.jsonBodyLimit),
      config: { rateLimit: { max: config.rateLimitPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError('INVALID_ARGUMENT', 'Expected a JSON object.');
      const init = Array.isArray(body.init_images) ? body.init_images[0] : undefined;
      if (init === undefined || init === null || init === '') {
        // A1111 answers 404 "Init image not found"; clients test for it, so keep the status.
        return reply.code(404).send({ error: { code: 'EMPTY_INPUT', message: 'Init image not found' }, detail: 'Init image not found' });
      }
      const bytes = decodeBase64Image(init, 'init_images[0]', config.maxUploadBytes);
      const styles = Array.isArray(body.styles) ? body.styles.filter((s): s is string => typeof s === 'string') : [];
      const style = styles.find((s) => listStyleNames().includes(s));
      const width = body.width === undefined ? undefined : parseSize(body.width, config.maxOutputSize);
      const height = body.height === undefined ? undefined : parseSize(body.height, config.maxOutputSize);
      const size = width !== undefined || height !== undefined ? Math.max(width ?? 0, height ?? 0) : undefined;
      const prompt = text(body.prompt, 'prompt');
      const negativePrompt = text(body.negative_prompt, 'negative_prompt');
      const options: JobOptions = {
        seed: parseSeed(body.seed),
        format: 'png',
        composite: false,
        ...(style ? { style } : {}),
        ...(size !== undefined ? { size } : {}),
        ...(prompt !== undefined ? { prompt } : {}),
        ...(negativePrompt !== undefined ? { negativePrompt } : {}),
      };
      const { id } = await app.animeMeSubmit(request, { bytes, options });
      const clientKey = ctx.clientKey(request);
      latest.set(clientKey, { id, startedAt: Date.now() });
      const record = await waitForEnd(id, config.jobTimeoutMs * 2);
      try {
        if (record.state === 'failed' || !record.outcome) {
          const code = record.error?.code ?? 'INTERNAL';
          throw new HttpError(code in STATUS_BY_CODE ? (code as HttpErrorCode) : 'INTERNAL', record.error?.message ?? 'The job failed.');
        }
        const image = await ctx.storage.get(record.outcome.output.key);
        if (!image) throw new HttpError('INTERNAL', 'The result is no longer stored.');
        const p = record.outcome.parameters;
        const infotext = formatInfotext(p);
        const info = {
          prompt: p.prompt,
          all_prompts: [p.prompt],
          negative_prompt: p.negativePrompt,
          all_negative_prompts: [p.negativePrompt],
          seed: p.seed,
          all_seeds: [p.seed],
          subseed: -1,
          all_subseeds: [-1],
          subseed_strength: 0,
          width: p.width,
          height: p.height,
          sampler_name: p.sampler,
          cfg_scale: p.cfgScale ?? null,
          steps: p.steps,
          batch_size: 1,
          restore_faces: false,
          face_restoration_model: null,
          sd_model_name: p.model ?? null,
          sd_model_hash: null,
          sd_vae_name: null,
          sd_vae_hash: null,
          seed_resize_from_w: -1,
          seed_resize_from_h: -1,
          denoising_strength: typeof body.denoising_strength === 'number' ? body.denoising_strength : 0.75,
          extra_generation_params: p.extra ?? {},
          index_of_first_image: 0,
          infotexts: [infotext],
          styles,
          job_timestamp: timestamp(record.createdAt),
          clip_skip: 1,
          is_using_inpainting_conditioning: false,
          version: VERSION,
        };
        const parameters = { ...body, init_images: body.include_init_images === true ? body.init_images : null, seed: p.seed };
        return reply.send({ images: [Buffer.from(image).toString('base64')], parameters, info: JSON.stringify(info) });
      } finally {
        await ctx.forget(id); // synchronous API: the caller has the bytes, keep nothing
        if (latest.get(clientKey)?.id === id) latest.delete(clientKey);
      }
    },
  );

  app.get('/sdapi/v1/progress', async (request, reply) => {
    const entry = latest.get(ctx.clientKey(request));
    const record = entry ? await queue.get(entry.id) : undefined;
    const running = record?.state === 'running';
    const stats = await ctx.stats();
    const progress = !record ? 0 : record.state === 'queued' ? 0.01 : running ? stageFraction(record) : 1;
    const etaSeconds = record ? ctx.eta.secondsLeft(record, stats.concurrency) : undefined;
    return reply.send({
      progress,
      eta_relative: etaSeconds ?? 0,
      state: {
        skipped: false,
        interrupted: false,
        job: record ? `task(${record.id})` : '',
        job_count: record && record.state !== 'done' && record.state !== 'failed' ? 1 : 0,
        job_timestamp: record ? timestamp(record.createdAt) : '0',
        job_no: 0,
        sampling_step: running ? Math.round(progress * 100) : 0,
        sampling_steps: 100,
      },
      current_image: null,
      textinfo: record?.progress ? `${record.progress.stage} ${Math.round(record.progress.progress * 100)}%` : record ? record.state : null,
    });
  });

  async function waitForEnd(id: string, timeoutMs: number): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      let settled = false;
      const finish = async () => {
        // A failed read (Redis briefly away) is not the end: a later event or the timeout settles it.
        const record = await queue.get(id).catch(() => 'unknown' as const);
        if (settled || record === 'unknown') return;
        if (!record) return settle(() => reject(new HttpError('CANCELLED', 'The job was deleted.')));
        if (record.state === 'done' || record.state === 'failed') settle(() => resolve(record));
      };
      const settle = (fn: () => void) => {
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        fn();
      };
      const unsubscribe = queue.subscribe(id, (event) => {
        if (event.type === 'done' || event.type === 'failed' || event.type === 'removed') void finish();
      });
      const timer = setTimeout(() => settle(() => reject(new HttpError('TIMEOUT', 'The job did not finish in time.'))), timeoutMs);
      void finish(); // it may have finished before we subscribed
    });
  }
}

const ORDER = ['decode', 'analyse', 'describe', 'stylize', 'upscale', 'compose', 'encode'];
function stageFraction(record: JobRecord): number {
  if (!record.progress) return 0.01;
  const index = Math.max(0, ORDER.indexOf(record.progress.stage));
  return Math.min(0.99, Math.max(0.01, (index + record.progress.progress) / ORDER.length));
}

/** A1111's job_timestamp format: YYYYMMDDhhmmss. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
