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
