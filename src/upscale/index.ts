/** Super-resolution stage. anime4k-network / anime4k-graph / tiling are portable; the upscaler is Node. */
export * from './anime4k-network.js';
export * from './anime4k-graph.js';
export * from './tiling.js';
export * from './anime4k-upscaler.js';
