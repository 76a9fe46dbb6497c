/**
 * Turns a SceneAnalysis into words: danbooru-style content tags (what anime diffusion checkpoints
 * expect), a plain-language sentence, and the scene's style preset. When an attribute is uncertain
 * the description says less rather than guessing (gender-neutral tags and wording).
 */
import type { EmbeddedStyle, PersonAnalysis, SceneAnalysis } from '../core/types.js';
import { EMBEDDED_STYLES } from '../core/types.js';
import { AnimeMeError } from '../errors.js';
import { EMBEDDED_STYLE_PROMPTS, STYLE_PRESETS, type StylePreset } from './style-presets.js';

/** Below this confidence an attribute is not named in the description. */
export const DEFAULT_MIN_CONFIDENCE = 0.7;

export interface DescribeOptions {
  /** An embedded style name or a preset id; default: chosen from the scene. */
  style?: string;
  /** The photo has (almost) no colour: pick the monochrome preset unless a style is given. */
  grayscale?: boolean;
  /** Replace the positive prompt entirely. */
  prompt?: string;
  /** Replace the negative prompt entirely. */
  negativePrompt?: string;
  minConfidence?: number;
}

export interface SceneDescription {
  /** danbooru-style content tags, most important first. */
  tags: string[];
  /** One plain-language sentence. */
  text: string;
  preset: StylePreset;
  style: EmbeddedStyle;
  params: Record<string, number>;
  prompt: { positive: string; negative: string };
}

export function listStyleNames(): string[] {
  return [...EMBEDDED_STYLES, ...STYLE_PRESETS.map((p) => p.id)];
}

function sure<T>(estimate: { value: T; confidence: number } | undefined, min: number): T | undefined {
  return estimate && estimate.confidence >= min ? estimate.value : undefined;
}

function countTags(people: PersonAnalysis[], min: number): string[] {
  if (people.length === 0) return ['no humans'];
  let girls = 0;
  let boys = 0;
  let unknown = 0;
  for (const person of people) {
    const gender = sure(person.gender, min);
    if (gender === 'female') girls++;
    else if (gender === 'male') boys++;
    else unknown++;
  }
  const tags: string[] = [];
  const n = (k: number, word: string) => (k >= 6 ? `6+${word}s` : k === 1 ? `1${word}` : `${k}${word}s`);
  if (girls) tags.push(n(girls, 'girl'));
  if (boys) tags.push(n(boys, 'boy'));
  if (unknown && (girls || boys)) tags.push(unknown === 1 ? '1other' : `${unknown}others`);
  if (people.length === 1) tags.push('solo');
  else if (people.length >= 3) tags.push('multiple people');
  return tags;
}

function personTags(person: PersonAnalysis, min: number): string[] {
  const tags: string[] = [];
  const bucket = sure(person.age, min)?.bucket;
  const gender = sure(person.gender, min);
  if (bucket === 'child') tags.push('child');
  if (bucket === 'elderly') tags.push(gender === 'female' ? 'old woman' : gender === 'male' ? 'old man' : 'old');
  const expression = sure(person.expression, min);
  if (expression === 'happy') tags.push('smile');
  else if (expression && expression !== 'neutral') tags.push(expression === 'surprise' ? 'surprised' : expression);
  const framing = sure(person.framing, min);
  if (framing === 'face') tags.push('portrait', 'close-up');
  else if (framing === 'upper-body') tags.push('upper body');
  else if (framing === 'full-body') tags.push('full body');
  const orientation = sure(person.orientation, min);
  if (orientation === 'facing') tags.push('looking at viewer');
  else if (orientation === 'back') tags.push('from behind');
  if (sure(person.glasses, min)) tags.push('glasses');
  return tags;
}

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six'];

function personNoun(person: PersonAnalysis, min: number): string {
  const gender = sure(person.gender, min);
  const bucket = sure(person.age, min)?.bucket;
  if (bucket === 'child') return gender === 'female' ? 'girl' : gender === 'male' ? 'boy' : 'child';
  if (bucket === 'teen') return gender === 'female' ? 'teenage girl' : gender === 'male' ? 'teenage boy' : 'teenager';
  const old = bucket === 'elderly' ? 'older ' : '';
  return `${old}${gender === 'female' ? 'woman' : gender === 'male' ? 'man' : 'person'}`;
}

function plural(noun: string): string {
  if (noun.endsWith('person')) return noun.replace(/person$/, 'people');
  if (noun.endsWith('child')) return noun.replace(/child$/, 'children');
  if (noun.endsWith('man')) return noun.replace(/man$/, 'men');
  return `${noun}s`;
}

function sentence(analysis: SceneAnalysis, min: number): string {
  const pets = analysis.pets.map((p) => p.label);
  const petText = pets.length ? ` with ${pets.length === 1 ? `a ${pets[0]}` : `${pets.length} pets (${[...new Set(pets)].join(', ')})`}` : '';
  const people = analysis.people;
  if (analysis.peopleCount === 0) {
    if (pets.length) return `A photo of ${pets.length === 1 ? `a ${pets[0]}` : `${pets.length} animals`}, no people.`;
    return analysis.sceneType.value === 'object' ? 'A photo of objects, no people.' : 'A scene with no people.';
  }
  if (analysis.peopleCount === 1 && people[0]) {
    const p = people[0];
    const smile = sure(p.expression, min) === 'happy' ? 'smiling ' : '';
    const framing = sure(p.framing, min);
    const framingText = framing === 'face' ? ', close-up' : framing === 'upper-body' ? ', upper body' : framing === 'full-body' ? ', full body' : '';
    return `A photo of one ${smile}${personNoun(p, min)}${framingText}${petText}.`;
  }
  const count = analysis.peopleCount < NUMBER_WORDS.length ? NUMBER_WORDS[analysis.peopleCount] : String(analysis.peopleCount);
  const nouns = people.slice(0, 6).map((p) => personNoun(p, min));
  const unique = [...new Set(nouns)];
  const who = unique.length === 1 ? plural(unique[0]) : 'people';
  return `A photo of ${count} ${who}${petText}.`;
}

export function selectPreset(analysis: SceneAnalysis, options: DescribeOptions = {}): StylePreset {
  if (options.style !== undefined) {
    const byId = STYLE_PRESETS.find((p) => p.id === options.style);
    if (byId) return byId;
    if ((EMBEDDED_STYLES as readonly string[]).includes(options.style)) {
      // An engine style was asked for: keep the scene's prompt, swap the look.
      const scenePreset = selectPreset(analysis, { ...options, style: undefined });
      const look = options.style as EmbeddedStyle;
      if (look === scenePreset.embeddedStyle) return scenePreset;
      return { ...scenePreset, embeddedStyle: look, prompt: EMBEDDED_STYLE_PROMPTS[look] };
    }
    throw new AnimeMeError(
      'INVALID_ARGUMENT',
      `Expected one of ${listStyleNames().join(', ')} for style but received ${JSON.stringify(options.style)} of type ${typeof options.style}`,
      { details: { parameter: 'style' } },
    );
  }
  if (options.grayscale) return STYLE_PRESETS.find((p) => p.id === 'monochrome')!;
  const scene = analysis.sceneType.value;
  return STYLE_PRESETS.find((p) => p.scenes.includes(scene)) ?? STYLE_PRESETS.find((p) => p.id === 'object')!;
}

export function describeScene(analysis: SceneAnalysis, options: DescribeOptions = {}): SceneDescription {
  const min = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const tags = countTags(analysis.people, min);
  // The largest person leads; others add tags only when they are sure.
  const sorted = [...analysis.people].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  for (const person of sorted.slice(0, 3)) {
    for (const tag of personTags(person, min)) if (!tags.includes(tag)) tags.push(tag);
  }
  for (const pet of analysis.pets) if (!tags.includes(pet.label)) tags.push(pet.label);
  const scene = analysis.sceneType.value;
  if (scene === 'landscape') tags.push('scenery', 'outdoors');
  if (scene === 'object') tags.push('still life');
  const preset = selectPreset(analysis, options);
  const positive = options.prompt ?? `${tags.join(', ')}, ${preset.prompt}`;
  const negative = options.negativePrompt ?? preset.negativePrompt;
  return {
    tags,
    text: sentence(analysis, min),
    preset,
    style: preset.embeddedStyle,
    params: { ...preset.params },
    prompt: { positive, negative },
  };
}
