/**
 * Reads a job submission from either body shape — multipart (field `image` plus text fields) or JSON
 * (`{image: base64 or data URL, style?, seed?, size?, composite?, format?}`) — into image bytes and
 * validated job options. Validation messages follow the library's "Expected … for … but received …".
 */
import { randomInt } from 'node:crypto';
import { listStyleNames } from '../describe/index.js';
import { AnimeMeError } from '../errors.js';
import { MIN_SIZE } from '../pipeline/options.js';
import type { JobOptions } from '../queue/types.js';
import { describeValue, invalidParameter } from '../validate.js';
import { parseWebhookUrl, redactWebhookUrl } from './webhook-policy.js';
import { HttpError } from './http-errors.js';

export interface JobInputLimits {
  maxUploadBytes: number;
  maxOutputSize: number;
}

export interface JobInput {
  bytes: Uint8Array;
  options: JobOptions;
  /** Webhook URL as sent (shape-checked here; the address policy is checked by the route). */
  webhook?: string;
}

const FORMATS = ['png', 'jpeg', 'webp'] as const;
const MAX_SEED = 2 ** 32 - 1;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** "auto" (or nothing) lets the describer pick a preset from the scene. */
export function parseStyle(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === 'auto') return undefined;
  const names = listStyleNames();
  if (typeof value !== 'string' || !names.includes(value)) throw invalidParameter(`auto or one of ${names.join(', ')}`, 'style', value);
  return value;
}

/** A missing or negative seed (A1111's -1) means "pick one"; the chosen seed is reported back. */
export function parseSeed(value: unknown): number {
  if (value === undefined || value === null || value === '') return randomInt(0, 2 ** 31);
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n > MAX_SEED) throw invalidParameter(`integer between -1 and ${MAX_SEED}`, 'seed', value);
  return n < 0 ? randomInt(0, 2 ** 31) : n;
}

export function parseSize(value: unknown, maxOutputSize: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_SIZE || n > maxOutputSize) {
    throw invalidParameter(`integer between ${MIN_SIZE} and ${maxOutputSize}`, 'size', value);
  }
  return n;
}

function parseBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 'on') return true;
  if (value === 'false' || value === '0' || value === 'off') return false;
  throw invalidParameter('boolean', name, value);
}

function parseFormat(value: unknown): JobOptions['format'] {
  if (value === undefined || value === null || value === '') return undefined;
  const v = value === 'jpg' ? 'jpeg' : value;
  if (typeof v !== 'string' || !(FORMATS as readonly string[]).includes(v)) throw invalidParameter('one of png, jpeg, webp', 'format', value);
  return v as JobOptions['format'];
}

/** Base64 (standard or URL alphabet) or a `data:image/…;base64,` URL, decoded strictly. */
export function decodeBase64Image(value: unknown, name: string, maxBytes: number): Uint8Array {
  if (typeof value !== 'string') throw invalidParameter('base64 image string', name, value);
  let text = value;
  if (text.startsWith('data:')) {
    const comma = text.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(text.slice(0, comma))) throw invalidParameter('base64 data URL', name, value);
    text = text.slice(comma + 1);
  }
  text = text.replace(/\s+/g, '');
  if (text.length === 0) throw new AnimeMeError('EMPTY_INPUT', `The image in ${name} is empty; send a photo`);
  if (!BASE64.test(text)) throw invalidParameter('base64 image string', name, value);
  if (Math.floor((text.length * 3) / 4) > maxBytes + 3) {
    throw new HttpError('TOO_LARGE', `The image is larger than ${formatBytes(maxBytes)}.`);
  }
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.length > maxBytes) throw new HttpError('TOO_LARGE', `The image is larger than ${formatBytes(maxBytes)}.`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MiB` : `${Math.round(n / 1024)} KiB`;
}

/** Prompts longer than this are not a correction but an essay (CLIP reads 75 tokens anyway). */
const MAX_PROMPT_CHARS = 1000;

function parsePrompt(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_PROMPT_CHARS) throw invalidParameter(`string of at most ${MAX_PROMPT_CHARS} characters`, name, value);
  return value;
}

/** User corrections of the analysis: people count, and genders largest person first ("f,m,?"). */
function parseOverrides(people: unknown, genders: unknown): JobOptions['overrides'] {
  const out: NonNullable<JobOptions['overrides']> = {};
  if (people !== undefined && people !== null && people !== '') {
    const n = typeof people === 'string' && /^\d+$/.test(people.trim()) ? Number(people) : people;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 50) throw invalidParameter('integer between 0 and 50', 'people', people);
    out.people = n;
  }
  if (genders !== undefined && genders !== null && genders !== '') {
    const list = typeof genders === 'string' ? genders.split(',').map((g) => g.trim().toLowerCase()) : genders;
    if (!Array.isArray(list) || list.length > 50 || list.some((g) => g !== 'f' && g !== 'm' && g !== '?')) {
      throw invalidParameter("list of f, m or ? (e.g. \"f,m\")", 'genders', genders);
    }
    out.genders = list as Array<'f' | 'm' | '?'>;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Shape of the optional webhook field; where it may point is checked separately (webhook-policy.ts). */
export function parseWebhookField(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidParameter('http or https URL', 'webhook', value);
  const text = value.trim();
  const url = parseWebhookUrl(text);
  if (url instanceof URL) return text;
  // Shown without its query string: callback URLs often carry a token.
  const shown = URL.canParse(text) ? redactWebhookUrl(text) : text;
  throw new AnimeMeError('INVALID_ARGUMENT', `Expected ${url.kind === 'invalid' ? url.expected : 'http or https URL'} for webhook but received ${describeValue(shown)}`, {
    details: { parameter: 'webhook' },
  });
}

export function parseJobOptions(fields: Record<string, unknown>, limits: JobInputLimits): JobOptions {
  const style = parseStyle(fields['style']);
  const size = parseSize(fields['size'], limits.maxOutputSize);
  const composite = parseBoolean(fields['composite'], 'composite');
  const format = parseFormat(fields['format']);
  const prompt = parsePrompt(fields['prompt'], 'prompt');
  const negativePrompt = parsePrompt(fields['negativePrompt'], 'negativePrompt');
  const overrides = parseOverrides(fields['people'], fields['genders']);
  return {
    seed: parseSeed(fields['seed']),
    ...(style !== undefined ? { style } : {}),
    ...(size !== undefined ? { size } : {}),
    composite: composite ?? false,
    ...(format !== undefined ? { format } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(negativePrompt !== undefined ? { negativePrompt } : {}),
    ...(overrides ? { overrides } : {}),
  };
}

interface MultipartFile {
  type: 'file';
  fieldname: string;
  toBuffer(): Promise<Buffer>;
}
interface MultipartField {
  type: 'field';
  fieldname: string;
  value: unknown;
}
type MultipartPart = MultipartFile | MultipartField;

function isPart(value: unknown): value is MultipartPart {
  return typeof value === 'object' && value !== null && 'type' in value && 'fieldname' in value;
}

/**
 * From a Fastify body: a multipart body (attachFieldsToBody) is an object of parts, a JSON body a
 * plain object. The multipart plugin has already enforced the upload limits before the handler ran.
 */
export async function readJobInput(body: unknown, isMultipart: boolean, limits: JobInputLimits): Promise<JobInput> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AnimeMeError('INVALID_ARGUMENT', 'Expected a multipart form with an `image` file, or a JSON object with a base64 `image`.');
  }
  const record = body as Record<string, unknown>;
  if (isMultipart) {
    const fields: Record<string, unknown> = {};
    let bytes: Uint8Array | undefined;
    for (const [name, raw] of Object.entries(record)) {
      const part = Array.isArray(raw) ? raw[0] : raw;
      if (Array.isArray(raw) && raw.length > 1) throw new AnimeMeError('INVALID_ARGUMENT', `Send one value for ${name}.`);
      if (!isPart(part)) continue;
      if (part.type === 'file') {
        if (name !== 'image') throw new AnimeMeError('INVALID_ARGUMENT', `Unexpected file field "${name}"; send the photo as "image".`);
        const buffer = await part.toBuffer();
        bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } else {
        fields[name] = part.value;
      }
    }
    if (!bytes) throw new AnimeMeError('EMPTY_INPUT', 'No photo received; send it in the multipart field "image".');
    return withWebhook({ bytes, options: parseJobOptions(fields, limits) }, fields['webhook']);
  }
  if (record['image'] === undefined) throw new AnimeMeError('EMPTY_INPUT', 'No photo received; send it as base64 in "image".');
  return withWebhook({ bytes: decodeBase64Image(record['image'], 'image', limits.maxUploadBytes), options: parseJobOptions(record, limits) }, record['webhook']);
}

function withWebhook(input: JobInput, value: unknown): JobInput {
  const webhook = parseWebhookField(value);
  return webhook === undefined ? input : { ...input, webhook };
}
