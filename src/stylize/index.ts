/**
 * Stylize stage: the embedded anime engine and its parameters.
 */
export { createEmbeddedStylizer, type EmbeddedStylizerOptions } from './embedded-stylizer.js';
export { PARAM_RANGES, STYLE_DEFAULTS, resolveStyleParams, type StyleParams } from './styles.js';
