/** Working-resolution arithmetic: the output is exactly working × upscale, its long side ≈ `size`. */
export function workingSize(
  original: { width: number; height: number },
  size: number,
  upscale: number,
): { width: number; height: number } {
  const longSide = Math.max(1, Math.round(size / upscale));
  const scale = longSide / Math.max(original.width, original.height);
  return {
    width: Math.max(1, Math.round(original.width * scale)),
    height: Math.max(1, Math.round(original.height * scale)),
  };
}

/**
 * Long side of the copy the analyser sees: face and pose models need ≈ 640 px (small working images
 * hide faces and invite false ones), and more only costs time.
 */
export const ANALYSIS_SIDE = 640;

export function analysisSize(original: { width: number; height: number }, working: { width: number; height: number }): { width: number; height: number } {
  const long = Math.max(original.width, original.height);
  if (Math.max(working.width, working.height) >= Math.min(ANALYSIS_SIDE, long)) return working;
  return workingSize(original, Math.min(ANALYSIS_SIDE, long), 1);
}
