import { describe, expect, it } from "vitest";
import { inside, paint, randomPolygon, rectangle, type Shape2d } from "./geometry.js";
import { sampleRng } from "./random.js";

/** Every pixel whose centre `inside` accepts, by brute force over the whole image. */
function bruteForce(s: Shape2d, h: number, w: number): Uint8Array {
  const m = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(s, x + 0.5, y + 0.5)) m[y * w + x] = 1;
  return m;
}

describe("paint", () => {
  it("scan-converts exactly the pixels whose centres are inside, for random polygons partly off the image", () => {
    const rng = sampleRng(3, 3, 0);
    let painted = 0;
    for (let t = 0; t < 200; t++) {
      const cx = rng.range(-5, 37);
      const cy = rng.range(-5, 37);
      const r = rng.range(1, 20);
      const s =
        t % 3 === 0
          ? rectangle(cx, cy, r, r * rng.range(0.3, 1), rng.range(0, Math.PI))
          : randomPolygon(rng, cx, cy, r, rng.int(3, 7));
      const m = new Uint8Array(32 * 24);
      paint(m, 24, 32, s, 1);
      expect([...m]).toEqual([...bruteForce(s, 24, 32)]);
      painted += m.reduce((a, v) => a + v, 0);
    }
    expect(painted).toBeGreaterThan(1000);
  });

  it("a hand-checked square: pixel centres on the left/top edges are in, on the right/bottom out", () => {
    // Square [1, 3] x [1, 3]: centres 1.5 and 2.5 are inside on both axes -> a 2x2 block.
    const s: Shape2d = {
      kind: "polygon",
      points: [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
      ],
    };
    const m = new Uint8Array(16);
    paint(m, 4, 4, s, 7);
    expect([...m]).toEqual([0, 0, 0, 0, 0, 7, 7, 0, 0, 7, 7, 0, 0, 0, 0, 0]);
    // A disc of radius 1 at (2, 2) reaches the four centres at distance √0.5.
    const d = new Uint8Array(16);
    paint(d, 4, 4, { kind: "disc", cx: 2, cy: 2, r: 1 }, 1);
    expect([...d]).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
  });
});
