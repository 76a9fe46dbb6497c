/**
 * G19: the moderation hook. Stub hooks flag the input, flag the output, pass, fail and answer
 * nonsense; the pipeline must call the hook on both phases, end a flagged run with FLAGGED (never a
 * silent black image), never encode a flagged output, and fail closed when the hook is broken.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../../src/core/raster.js';
import type { ProgressEvent, Stylizer } from '../../src/core/types.js';
import { AnimeMeError } from '../../src/errors.js';
import { allowAll, createAnimeMe, isAnimeMeError } from '../../src/index.js';
import { createSharpCodec } from '../../src/node/sharp-codec.js';
import type { ImageCodec } from '../../src/pipeline/codec.js';
import { moderate, type ModerationHook, type ModerationPhase } from '../../src/pipeline/moderation.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { photo } from './corpus.js';

const PHOTO = photo('deb_skimage_coffee.png'); // 600×400

interface Spies {
  encoded: string[];
  stylized: number;
  calls: { phase: ModerationPhase; width: number; height: number; format: string; style?: string; signal: boolean }[];
}

/** A pipeline whose codec and stylizer record what they were asked to do. */
function spiedPipeline(hook: ModerationHook | undefined) {
  const spies: Spies = { encoded: [], stylized: 0, calls: [] };
  const real = createSharpCodec();
  const codec: ImageCodec = {
    decode: real.decode,
    resize: real.resize,
    encode: async (image, options) => {
      spies.encoded.push(options.format);
      return real.encode(image, options);
    },
  };
  const embedded = createEmbeddedStylizer();
  const stylizer: Stylizer = {
    name: embedded.name,
    styles: embedded.styles,
    stylize: async (request, context) => {
      spies.stylized++;
      return embedded.stylize(request, context);
    },
    dispose: () => embedded.dispose(),
  };
  const recording: ModerationHook | undefined = hook
    ? async (image, phase, context) => {
        spies.calls.push({
          phase,
          width: image.width,
          height: image.height,
          format: context.input.format,
          ...(context.style !== undefined ? { style: context.style } : {}),
          signal: context.signal !== undefined,
        });
        return hook(image, phase, context);
      }
    : undefined;
  const pipeline = createPipeline({ codec, stylizer, ...(recording ? { moderation: recording } : {}) });
  return { pipeline, spies };
}

async function rejection(promise: Promise<unknown>): Promise<AnimeMeError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAnimeMeError(error), `not an AnimeMeError: ${String(error)}`);
    assert.ok(!/[\r\n]/.test(error.message), `one line: ${error.message}`);
    return error;
  }
  assert.fail('expected a rejection');
}

const RUN = { size: 128, analyse: false, composite: true, format: 'jpeg' } as const;

test('off by default: no hook, no moderation, normal result', async () => {
  const { pipeline, spies } = spiedPipeline(undefined);
  const result = await pipeline.run(PHOTO, RUN);
  assert.ok(result.output.length > 0 && result.composite);
  assert.deepEqual(spies.calls, []);
});

test('a passing hook (allowAll) sees the decoded input, then the result before encoding', async () => {
  const { pipeline, spies } = spiedPipeline(allowAll);
  const controller = new AbortController();
  const result = await pipeline.run(PHOTO, { ...RUN, signal: controller.signal });
  assert.equal(spies.calls.length, 2);
  const [input, output] = spies.calls;
  assert.equal(input.phase, 'input');
  assert.equal(input.format, 'png');
  assert.equal(input.style, undefined);
  assert.ok(input.width >= 128 && input.width / input.height === 1.5, `input ${input.width}x${input.height}`);
  assert.equal(output.phase, 'output');
  assert.deepEqual([output.width, output.height], [result.image.width, result.image.height]);
  assert.equal(output.style, result.description.style);
  assert.ok(input.signal && output.signal, 'the run signal is passed on');
  assert.deepEqual(spies.encoded, ['jpeg', 'jpeg'], 'output and composite encoded');
});

test('a flagged input ends the run with FLAGGED before any stylizing or encoding', async () => {
  const hook: ModerationHook = async (_image, phase) => (phase === 'input' ? { flagged: true, reason: 'nudity score 0.97', code: 'nsfw' } : { flagged: false });
  const { pipeline, spies } = spiedPipeline(hook);
  const events: ProgressEvent[] = [];
  const error = await rejection(pipeline.run(PHOTO, RUN, { onProgress: (e) => events.push(e) }));
  assert.equal(error.code, 'FLAGGED');
  assert.equal(error.message, 'The photo was flagged by content moderation (nsfw: nudity score 0.97)');
  assert.deepEqual(error.details, { phase: 'input', moderationCode: 'nsfw', reason: 'nudity score 0.97' });
  assert.equal(spies.stylized, 0);
  assert.deepEqual(spies.encoded, []);
  assert.deepEqual(spies.calls.map((c) => c.phase), ['input']);
  assert.ok(!events.some((e) => e.stage === 'stylize' || e.stage === 'encode'));
});

test('a flagged output is never encoded or returned (G19)', async () => {
  const hook: ModerationHook = async (_image, phase) => ({ flagged: phase === 'output', reason: 'violence' });
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const { pipeline, spies } = spiedPipeline(hook);
    const error = await rejection(pipeline.run(PHOTO, { ...RUN, format }));
    assert.equal(error.code, 'FLAGGED');
    assert.equal(error.message, 'The result was flagged by content moderation (violence)');
    assert.equal(error.details?.phase, 'output');
    assert.equal(spies.stylized, 1, 'the work was done, then stopped');
    assert.deepEqual(spies.encoded, [], `${format}: nothing encoded`);
  }
});

test('a flag with no reason still says what happened; odd reasons and codes are tamed', async () => {
  const bare = await rejection(moderate(async () => ({ flagged: true }), tiny(), 'input', { input: { format: 'jpeg', width: 1, height: 1 } }));
  assert.equal(bare.message, 'The photo was flagged by content moderation');
  const odd = await rejection(
    moderate(async () => ({ flagged: true, reason: `line one\nline two\t${'x'.repeat(500)}`, code: 'not a code!' }), tiny(), 'output', { input: { format: 'jpeg', width: 1, height: 1 } }),
  );
  assert.equal(odd.code, 'FLAGGED');
  assert.match(odd.message, /^The result was flagged by content moderation \(line one line two x+\.\.\.\)$/);
  assert.equal(odd.details?.moderationCode, undefined, 'an invalid category is dropped');
  assert.ok(odd.message.length < 300);
});

test('fails closed: a throwing or nonsensical hook stops the run, keeping AnimeMeError codes', async () => {
  const context = { input: { format: 'png', width: 1, height: 1 } };
  const thrown = await rejection(moderate(async () => { throw new Error('classifier offline'); }, tiny(), 'output', context));
  assert.equal(thrown.code, 'INTERNAL');
  assert.equal(thrown.message, 'The output moderation check failed (classifier offline); nothing was produced');
  const timeout = await rejection(moderate(async () => { throw new AnimeMeError('TIMEOUT', 'The classifier took too long'); }, tiny(), 'input', context));
  assert.equal(timeout.code, 'TIMEOUT');
  for (const verdict of [undefined, null, {}, { flagged: 'yes' }, 'ok']) {
    const error = await rejection(moderate((async () => verdict) as unknown as ModerationHook, tiny(), 'input', context));
    assert.equal(error.code, 'INTERNAL', JSON.stringify(verdict));
    assert.match(error.message, /gave no verdict/);
  }
  // Through the pipeline: a broken output check means no output.
  const { pipeline, spies } = spiedPipeline(async (_image, phase) => {
    if (phase === 'output') throw new TypeError('bad tensor');
    return { flagged: false };
  });
  const error = await rejection(pipeline.run(PHOTO, RUN));
  assert.equal(error.code, 'INTERNAL');
  assert.deepEqual(spies.encoded, []);
});

test('a cancelled run is not moderated: CANCELLED comes first', async () => {
  const controller = new AbortController();
  controller.abort();
  const calls: ModerationPhase[] = [];
  const error = await rejection(
    moderate(async (_i, phase) => (calls.push(phase), { flagged: false }), tiny(), 'input', { signal: controller.signal, input: { format: 'png', width: 1, height: 1 } }),
  );
  assert.equal(error.code, 'CANCELLED');
  assert.deepEqual(calls, []);
});

test('createAnimeMe passes the hook through', async () => {
  const phases: ModerationPhase[] = [];
  const pipeline = createAnimeMe({
    analyser: false,
    upscaler: false,
    moderation: async (_image, phase) => {
      phases.push(phase);
      return { flagged: phase === 'output', code: 'policy' };
    },
  });
  try {
    const error = await rejection(pipeline.run(PHOTO, { size: 128 }));
    assert.equal(error.code, 'FLAGGED');
    assert.deepEqual(phases, ['input', 'output']);
  } finally {
    await pipeline.dispose();
  }
});

function tiny(): RgbImage {
  return { width: 1, height: 1, data: new Uint8Array(3) };
}
