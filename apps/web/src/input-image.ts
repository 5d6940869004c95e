/**
 * The page's input: a few filled shapes (a polygon, a disc, a rectangle) drawn on a canvas the size of
 * the model's input, read back as a batch-1 NHWC tensor in [0, 1] with the model's channel count.
 */
export function drawShapes(canvas: HTMLCanvasElement, height: number, width: number): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("the browser gave no 2d canvas context");
  ctx.fillStyle = "#101820";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#f2aa4c";
  ctx.beginPath();
  const star = 5;
  for (let k = 0; k < 2 * star; k++) {
    const r = (k % 2 === 0 ? 0.3 : 0.13) * Math.min(width, height);
    const a = (Math.PI * k) / star - Math.PI / 2;
    const x = 0.32 * width + r * Math.cos(a);
    const y = 0.35 * height + r * Math.sin(a);
    if (k === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.closePath();
  ctx.fill();
  ctx.fillStyle = "#6ec1e4";
  ctx.beginPath();
  ctx.arc(0.72 * width, 0.68 * height, 0.18 * Math.min(width, height), 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = "#e9e9e9";
  ctx.fillRect(0.12 * width, 0.72 * height, 0.36 * width, 0.16 * height);
}

/** The canvas as [1, H, W, C] floats in [0, 1]: C = 1 is luminance, C = 3 is RGB, more repeat RGB. */
export function canvasPixels(canvas: HTMLCanvasElement, channels: number): Float32Array {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("the browser gave no 2d canvas context");
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const pixels = canvas.width * canvas.height;
  const out = new Float32Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const rgb = [data[4 * p]! / 255, data[4 * p + 1]! / 255, data[4 * p + 2]! / 255];
    for (let c = 0; c < channels; c++) {
      out[p * channels + c] =
        channels === 1 ? 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]! : rgb[c % 3]!;
    }
  }
  return out;
}
