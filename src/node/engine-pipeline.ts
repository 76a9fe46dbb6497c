/**
 * A pipeline module for the worker pool's threads (`pipelineModule`): the Node pipeline with its
 * engine's pack opened before the thread reports ready, so a pack that cannot load fails the thread's
 * start-up with its precise message. Options are createAnimeMe's, JSON-safe (`engine` is an EngineSpec).
 */
import type { Pipeline } from '../pipeline/pipeline.js';
import { createAnimeMeReady, type AnimeMeOptions } from './create-anime-me.js';

export function createPipeline(options: Record<string, unknown> = {}): Promise<Pipeline> {
  return createAnimeMeReady(options as AnimeMeOptions);
}
