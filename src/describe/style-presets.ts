/**
 * Scene-specific style presets: data only. Each preset says which scenes it applies to, the prompt
 * fragments a diffusion engine receives, the negative prompt, and which embedded look (with numeric
 * tweaks) the default engine uses. The describer picks the first preset whose `scenes` include the
 * analysed scene; users override with `--style`.
 */
import type { EmbeddedStyle, SceneType } from '../core/types.js';

export interface StylePreset {
  id: string;
  /** Scenes this preset is chosen for automatically. */
  scenes: readonly SceneType[];
  /** Style description appended after the content tags. */
  prompt: string;
  negativePrompt: string;
  embeddedStyle: EmbeddedStyle;
  /** Numeric tweaks passed to the embedded engine (names are that engine's parameters). */
  params: Readonly<Record<string, number>>;
  /** Short human description (shown in help and the web page). */
  description: string;
}

const COMMON_NEGATIVE =
  'lowres, bad anatomy, bad hands, extra fingers, missing fingers, deformed face, blurry, jpeg artifacts, watermark, signature, text, worst quality, low quality, photorealistic, 3d render';

export const STYLE_PRESETS: readonly StylePreset[] = Object.freeze([
  {
    id: 'portrait-male',
    scenes: ['single-male'],
    prompt: 'anime screencap, cel shading, clean lineart, sharp jawline, detailed eyes, vibrant colors, soft rim light, masterpiece, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, feminine, makeup`,
    embeddedStyle: 'bright-cel',
    params: {},
    description: 'Crisp cel-shaded portrait for one man.',
  },
  {
    id: 'portrait-female',
    scenes: ['single-female'],
    prompt: 'anime screencap, cel shading, clean lineart, detailed sparkling eyes, glossy hair highlights, soft blush, vibrant colors, masterpiece, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, masculine`,
    embeddedStyle: 'bright-cel',
    params: {},
    description: 'Bright cel-shaded portrait for one woman.',
  },
  {
    id: 'portrait-neutral',
    scenes: ['single-person'],
    prompt: 'anime screencap, cel shading, clean lineart, detailed eyes, vibrant colors, masterpiece, best quality',
    negativePrompt: COMMON_NEGATIVE,
    embeddedStyle: 'bright-cel',
    params: {},
    description: 'Cel-shaded portrait that assumes nothing about gender.',
  },
  {
    id: 'child',
    scenes: ['child'],
    prompt: 'anime, soft watercolor, pastel colors, round cheeks, big bright eyes, gentle lineart, warm light, picture book illustration, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, mature, adult, sexualized`,
    embeddedStyle: 'soft-watercolor',
    params: {},
    description: 'Soft pastel picture-book look for children.',
  },
  {
    id: 'elderly',
    scenes: ['elderly'],
    prompt: 'anime, soft watercolor, warm gentle light, kind eyes, dignified, delicate lineart, muted pastel palette, best quality',
    negativePrompt: COMMON_NEGATIVE,
    embeddedStyle: 'soft-watercolor',
    params: {},
    description: 'Warm, gentle watercolor look for older people.',
  },
  {
    id: 'couple',
    scenes: ['couple'],
    prompt: 'anime screencap, two people, cel shading, clean lineart, warm sunset light, romantic atmosphere, vibrant colors, best quality',
    negativePrompt: COMMON_NEGATIVE,
    embeddedStyle: 'bright-cel',
    params: {},
    description: 'Cel-shaded scene for two people.',
  },
  {
    id: 'group',
    scenes: ['group'],
    prompt: 'anime screencap, group shot, cel shading, clean lineart, lively, vibrant colors, detailed background, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, merged bodies`,
    embeddedStyle: 'bright-cel',
    params: {},
    description: 'Lively cel-shaded group scene.',
  },
  {
    id: 'pet',
    scenes: ['pet'],
    prompt: 'anime, cute animal, fluffy fur, big shiny eyes, soft watercolor, pastel background, studio ghibli style, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, human`,
    embeddedStyle: 'soft-watercolor',
    params: {},
    description: 'Soft, fluffy look for pets.',
  },
  {
    id: 'person-with-pet',
    scenes: ['person-with-pet'],
    prompt: 'anime screencap, person with pet, cel shading, clean lineart, warm light, cozy atmosphere, vibrant colors, best quality',
    negativePrompt: COMMON_NEGATIVE,
    embeddedStyle: 'bright-cel',
    params: {},
    description: 'Cel-shaded scene for a person with a pet.',
  },
  {
    id: 'landscape',
    scenes: ['landscape'],
    prompt: 'anime background, scenery, no humans, dramatic sky, fluffy clouds, lens flare, vivid colors, makoto shinkai style, highly detailed, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, people, person`,
    embeddedStyle: 'dreamy-sky',
    params: {},
    description: 'Painterly anime scenery with a dreamy sky.',
  },
  {
    id: 'object',
    scenes: ['object'],
    prompt: 'anime, still life, no humans, soft watercolor, pastel colors, cozy, delicate lineart, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, people, person`,
    embeddedStyle: 'soft-watercolor',
    params: {},
    description: 'Watercolor still life for food and objects.',
  },
  {
    id: 'monochrome',
    scenes: [],
    prompt: 'manga, monochrome, greyscale, screentone, ink lineart, high contrast, best quality',
    negativePrompt: `${COMMON_NEGATIVE}, color`,
    embeddedStyle: 'manga-ink',
    params: {},
    description: 'Black-and-white manga ink with screentones (chosen for black-and-white photos).',
  },
] satisfies StylePreset[]);

/**
 * Style descriptions for each embedded look, used when the user picks a look that differs from the
 * scene preset's (so the prompt describes the look the picture actually has).
 */
export const EMBEDDED_STYLE_PROMPTS: Readonly<Record<EmbeddedStyle, string>> = Object.freeze({
  'bright-cel': 'anime screencap, cel shading, clean lineart, vibrant colors, detailed eyes, best quality',
  'soft-watercolor': 'anime, soft watercolor, pastel colors, delicate lineart, paper texture, best quality',
  'manga-ink': 'manga, monochrome, greyscale, screentone, ink lineart, high contrast, best quality',
  'dreamy-sky': 'anime, dreamy atmosphere, pastel sky, soft glow, sparkles, light particles, best quality',
});
