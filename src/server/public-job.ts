/**
 * The JSON a client sees for a job: state, place in line, progress, ETA, what the system understood
 * (analysis summary, prompt) and where the results are. Storage keys and client keys stay inside.
 */
import type { JobRecord } from '../queue/types.js';

export function jobLinks(id: string) {
  const base = `/api/v1/jobs/${id}`;
  return { self: base, events: `${base}/events`, result: `${base}/result`, composite: `${base}/composite` };
}

export interface PublicJobExtras {
  etaSeconds?: number;
  expiresAt?: number;
  /** Turns a file path into a signed, expiring link (G18); results are only reachable through these. */
  signLink?: (path: string) => string;
}

export function publicJob(record: JobRecord, extras: PublicJobExtras) {
  const paths = jobLinks(record.id);
  const sign = extras.signLink ?? ((path: string) => path);
  const links = { ...paths, result: sign(paths.result), composite: sign(paths.composite) };
  const outcome = record.outcome;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: record.id,
    state: record.state,
    ...(record.position !== undefined && record.state === 'queued' ? { position: record.position } : {}),
    ...(record.progress && record.state === 'running' ? { progress: record.progress } : {}),
    ...(extras.etaSeconds !== undefined ? { etaSeconds: extras.etaSeconds } : {}),
    options: {
      style: record.options.style ?? 'auto',
      seed: record.options.seed,
      ...(record.options.size !== undefined ? { size: record.options.size } : {}),
      composite: record.options.composite === true,
      format: record.options.format ?? 'png',
      // The corrections this job ran with (see POST people / genders / prompt).
      ...(record.options.overrides?.people !== undefined ? { people: record.options.overrides.people } : {}),
      ...(record.options.overrides?.genders !== undefined ? { genders: [...record.options.overrides.genders] } : {}),
      ...(record.options.prompt !== undefined ? { prompt: record.options.prompt } : {}),
      ...(record.options.negativePrompt !== undefined ? { negativePrompt: record.options.negativePrompt } : {}),
    },
    createdAt: iso(record.createdAt),
    ...(record.startedAt !== undefined ? { startedAt: iso(record.startedAt) } : {}),
    ...(record.finishedAt !== undefined ? { finishedAt: iso(record.finishedAt) } : {}),
    ...(extras.expiresAt !== undefined ? { expiresAt: iso(extras.expiresAt) } : {}),
    attempts: record.attempts,
    ...(outcome
      ? {
          analysis: outcome.analysis,
          description: outcome.description,
          prompt: outcome.prompt,
          timings: outcome.timings,
          runMs: outcome.runMs,
          input: outcome.input,
          result: { url: links.result, mime: outcome.output.mime, width: outcome.output.width, height: outcome.output.height, bytes: outcome.output.bytes },
          ...(outcome.composite ? { composite: { url: links.composite, mime: outcome.composite.mime, bytes: outcome.composite.bytes } } : {}),
        }
      : {}),
    ...(record.error ? { error: record.error } : {}),
    // How the webhook went (never its URL: it may carry the receiver's token).
    ...(record.webhook
      ? {
          webhook: {
            state: record.webhook.delivery?.state ?? 'pending',
            attempts: record.webhook.delivery?.attempts ?? 0,
            ...(record.webhook.delivery?.status !== undefined ? { status: record.webhook.delivery.status } : {}),
            ...(record.webhook.delivery?.error !== undefined ? { error: record.webhook.delivery.error } : {}),
            ...(record.webhook.delivery?.at !== undefined && record.webhook.delivery.state !== 'pending' ? { at: iso(record.webhook.delivery.at) } : {}),
          },
        }
      : {}),
    links: { self: links.self, events: links.events },
  };
}
