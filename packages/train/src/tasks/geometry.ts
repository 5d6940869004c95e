import type { Rng } from "./random.js";

/** A shape in pixel coordinates (pixel (x, y) has its centre at x + 0.5, y + 0.5). */
export type Shape2d =
  | { kind: "disc"; cx: number; cy: number; r: number }
  | { kind: "polygon"; points: readonly (readonly [number, number])[] };

/** Pixel-centre inside test; polygons by the even-odd rule. */
export function inside(s: Shape2d, px: number, py: number): boolean {
  if (s.kind === "disc") {
    const dx = px - s.cx;
    const dy = py - s.cy;
    return dx * dx + dy * dy <= s.r * s.r;
  }
  let c = false;
  const pts = s.points;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i]!;
    const [xj, yj] = pts[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

/** Integer pixel bounds [x0, x1) x [y0, y1) of the shape, clipped to the image. */
export function bounds(s: Shape2d, h: number, w: number): [number, number, number, number] {
  let minX: number;
  let maxX: number;
  let minY: number;
  let maxY: number;
  if (s.kind === "disc") {
    minX = s.cx - s.r;
    maxX = s.cx + s.r;
    minY = s.cy - s.r;
    maxY = s.cy + s.r;
  } else {
    const xs = s.points.map((p) => p[0]);
    const ys = s.points.map((p) => p[1]);
    minX = Math.min(...xs);
    maxX = Math.max(...xs);
    minY = Math.min(...ys);
    maxY = Math.max(...ys);
  }
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return [
    clamp(Math.floor(minX), w),
    clamp(Math.ceil(maxX) + 1, w),
    clamp(Math.floor(minY), h),
    clamp(Math.ceil(maxY) + 1, h),
  ];
}

/**
 * Sets `mask[p] = value` for every pixel whose centre lies in the shape. Polygons are scan-converted
 * row by row (the even-odd crossings of the row's centre line, filled in pairs), which gives exactly the
 * pixels `inside` accepts at a fraction of the cost.
 */
export function paint(mask: Uint8Array, h: number, w: number, s: Shape2d, value: number): void {
  const [x0, x1, y0, y1] = bounds(s, h, w);
  if (s.kind === "disc") {
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) if (inside(s, x + 0.5, y + 0.5)) mask[y * w + x] = value;
    }
    return;
  }
  const pts = s.points;
  const xs: number[] = [];
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i]!;
      const [xj, yj] = pts[j]!;
      // The same crossing test and intersection as `inside`.
      if (yi > py !== yj > py) xs.push(((xj - xi) * (py - yi)) / (yj - yi) + xi);
    }
    xs.sort((a, b) => a - b);
    // A centre px is inside when an odd number of crossings lie right of it: px in [xs[2m], xs[2m+1]).
    for (let m = 0; m + 1 < xs.length; m += 2) {
      const from = Math.max(x0, Math.ceil(xs[m]! - 0.5));
      const to = Math.min(x1, Math.ceil(xs[m + 1]! - 0.5));
      for (let x = from; x < to; x++) mask[y * w + x] = value;
    }
  }
}

/** A rotated rectangle of half-sides a, b centred at (cx, cy). */
export function rectangle(cx: number, cy: number, a: number, b: number, angle: number): Shape2d {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const corners: [number, number][] = [
    [-a, -b],
    [a, -b],
    [a, b],
    [-a, b],
  ];
  return {
    kind: "polygon",
    points: corners.map(([u, v]) => [cx + u * c - v * s, cy + u * s + v * c] as const),
  };
}

/**
 * A star-shaped polygon around (cx, cy): `n` vertices at sorted random angles, radii in [0.6r, r].
 * With n = 3 it is a triangle; neighbouring vertices stay at least half the even spacing apart, so
 * it never degenerates into a sliver.
 */
export function randomPolygon(rng: Rng, cx: number, cy: number, r: number, n: number): Shape2d {
  const step = (2 * Math.PI) / n;
  const start = rng.range(0, 2 * Math.PI);
  const points: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = start + i * step + rng.range(-0.25, 0.25) * step;
    const rr = r * rng.range(0.6, 1);
    points.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  return { kind: "polygon", points };
}
