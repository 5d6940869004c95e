import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kerasKernel, transposeAxis, windowAxis } from "./common.js";

/** Brute force: enumerate window start positions one by one, independently of the closed forms. */
function countWindows(
  size: number,
  k: number,
  s: number,
  d: number,
  pad: "same" | "valid" | [number, number],
  ceil: boolean,
): number {
  const eff = (k - 1) * d + 1;
  let n = 0;
  if (pad === "same") {
    // TF: one window per stride step that starts inside the input.
    for (let start = 0; start < size; start += s) n++;
    return n;
  }
  const [before, after] = pad === "valid" ? [0, 0] : pad;
  const padded = size + before + after;
  for (let i = 0; ; i++) {
    const start = i * s; // in padded coordinates
    // floor: the window lies inside the padded input. ceil: add windows while the previous one has not
    // reached the end, but every window must start inside the input or its left padding (PyTorch).
    const keep = ceil
      ? (i === 0 || start - s + eff < padded) && start - before < size
      : start + eff <= padded;
    if (!keep) return n;
    n++;
  }
}

describe("windowAxis", () => {
  const cfg = fc.record({
    size: fc.integer({ min: 1, max: 40 }),
    k: fc.integer({ min: 1, max: 7 }),
    s: fc.integer({ min: 1, max: 5 }),
    d: fc.integer({ min: 1, max: 3 }),
    before: fc.integer({ min: 0, max: 3 }),
    after: fc.integer({ min: 0, max: 3 }),
    mode: fc.constantFrom("same", "valid", "explicit"),
    ceil: fc.boolean(),
  });

  it("gives the brute-force count of window positions (same / valid / explicit, floor and ceil)", () => {
    fc.assert(
      fc.property(cfg, ({ size, k, s, d, before, after, mode, ceil }) => {
        const pad = mode === "explicit" ? ([before, after] as [number, number]) : mode;
        const padded = size + (mode === "explicit" ? before + after : 0);
        // A window larger than the padded input is an error the ops report (out < 1 in floor mode).
        fc.pre(mode === "same" || padded >= (k - 1) * d + 1);
        expect(windowAxis(size, k, s, d, pad, ceil).out).toBe(countWindows(size, k, s, d, pad, ceil));
      }),
      { numRuns: 400 },
    );
  });

  it("same padding splits the total with the extra pixel at the end (TF)", () => {
    expect(windowAxis(5, 3, 2, 1, "same")).toEqual({ out: 3, before: 1, after: 1 });
    expect(windowAxis(6, 3, 2, 1, "same")).toEqual({ out: 3, before: 0, after: 1 });
    expect(windowAxis(224, 7, 2, 1, "same")).toEqual({ out: 112, before: 2, after: 3 });
  });

  it("floor mode reports a window larger than the input as an empty output", () => {
    expect(windowAxis(2, 3, 1, 1, "valid").out).toBeLessThan(1);
    expect(windowAxis(3, 2, 1, 3, [0, 0]).out).toBeLessThan(1);
  });

  it("ceilMode drops a window that starts in the right padding (PyTorch), even a full one", () => {
    expect(windowAxis(1, 1, 1, 1, [1, 1], false).out).toBe(3);
    expect(windowAxis(1, 1, 1, 1, [1, 1], true).out).toBe(2);
    expect(windowAxis(6, 3, 2, 1, "valid", true).out).toBe(3);
    expect(windowAxis(6, 3, 2, 1, "valid", false).out).toBe(2);
  });

  it("ceilMode matches torchvision GoogLeNet's max pools (k3 s2 ceil: 112->56->28->14->7)", () => {
    expect([112, 56, 28, 14].map((n) => windowAxis(n, 3, 2, 1, "valid", true).out)).toEqual([56, 28, 14, 7]);
    expect(windowAxis(112, 3, 2, 1, "valid", false).out).toBe(55);
  });
});

describe("transposeAxis", () => {
  it("is the inverse size rule of a strided conv", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (size, k, s, d) => {
          const t = transposeAxis(size, k, s, d, "valid");
          // A valid conv with the same window maps the transposed output back to `size`.
          expect(windowAxis(t.out, k, s, d, "valid").out).toBe(size);
          expect(transposeAxis(size, k, s, d, "same").out).toBe(size * s);
          expect(windowAxis(size * s, k, s, d, "same").out).toBe(size);
        },
      ),
    );
  });
});

describe("kerasKernel", () => {
  it("uses Keras fans: receptive field times the last two axes", () => {
    expect(kerasKernel("k", [3, 3, 16, 32]).init).toEqual({ kind: "glorotUniform", fanIn: 144, fanOut: 288 });
    expect(kerasKernel("k", [32, 64]).init).toEqual({ kind: "glorotUniform", fanIn: 32, fanOut: 64 });
  });
});
