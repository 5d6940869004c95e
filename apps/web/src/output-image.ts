/** Class colours of a segmentation mask, cycled when there are more classes. */
const PALETTE: readonly (readonly [number, number, number])[] = [
  [16, 24, 32],
  [242, 170, 76],
  [110, 193, 228],
  [233, 233, 233],
  [200, 80, 120],
  [120, 200, 120],
];

/**
 * Paints an NHWC output map (batch 1) onto a canvas: one channel as a grey map stretched over its
 * min..max (an edge map), several channels as a mask of the arg-max class per pixel (a segmentation).
 */
export function paintMap(canvas: HTMLCanvasElement, shape: readonly number[], data: Float32Array): void {
  const [, height = 1, width = 1, channels = 1] = shape;
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("the browser gave no 2d canvas context");
  const image = ctx.createImageData(width, height);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  for (let p = 0; p < width * height; p++) {
    let rgb: readonly [number, number, number];
    if (channels === 1) {
      const g = Math.round((255 * (data[p]! - lo)) / span);
      rgb = [g, g, g];
    } else {
      let best = 0;
      for (let c = 1; c < channels; c++) if (data[p * channels + c]! > data[p * channels + best]!) best = c;
      rgb = PALETTE[best % PALETTE.length]!;
    }
    image.data.set([...rgb, 255], 4 * p);
  }
  ctx.putImageData(image, 0, 0);
}

/** Whether an output can be shown as an image: [1, H, W, C]. */
export function isImageShape(shape: readonly number[]): boolean {
  return shape.length === 4 && shape[0] === 1;
}
