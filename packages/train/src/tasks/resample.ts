import { centreCropOffsets } from "@fusegraph/dsl";

/**
 * How a target rendered at the input's H x W becomes a target at an output's h x w:
 * - `same`: h, w equal H, W;
 * - `crop`: the centre crop (U-Net's valid convolutions shrink the map: the target is the part of the
 *   input the output sees), offsets floor((H-h)/2), floor((W-w)/2) as the dsl's crop op;
 * - `down`: H = f·h and W = f·w for one integer f ≥ 2 (a strided/pooled output), f x f blocks reduced.
 * An integer downscale wins over a crop when both fit (e.g. 64 → 32).
 */
export type TargetPlan =
  | { kind: "same" }
  | { kind: "crop"; top: number; left: number }
  | { kind: "down"; factor: number };

export function planTarget(from: readonly number[], to: readonly number[]): TargetPlan | undefined {
  const [H, W] = from as [number, number];
  const [h, w] = to as [number, number];
  if (h === H && w === W) return { kind: "same" };
  if (h > 0 && w > 0 && H % h === 0 && W % w === 0 && H / h === W / w) return { kind: "down", factor: H / h };
  if (h > 0 && w > 0 && h <= H && w <= W) {
    const [top, left] = centreCropOffsets(from, to);
    return { kind: "crop", top, left };
  }
  return undefined;
}

export function describePlan(p: TargetPlan): string {
  if (p.kind === "same") return "same size";
  if (p.kind === "crop") return `centre crop at offset (${p.top}, ${p.left})`;
  return `downscaled ${p.factor}x`;
}

/**
 * Maps a binary map [H, W] (row length W) to [h, w] by `plan`; a `down` block is foreground when at least half its
 * pixels are (`majority`, for masks) or when any is (`any`, for thin edges that would vanish otherwise).
 */
export function mapBinary(
  src: Uint8Array,
  W: number,
  h: number,
  w: number,
  plan: TargetPlan,
  reduce: "majority" | "any",
): Uint8Array {
  if (plan.kind === "same") return src;
  const out = new Uint8Array(h * w);
  if (plan.kind === "crop") {
    for (let y = 0; y < h; y++) {
      const row = (y + plan.top) * W + plan.left;
      out.set(src.subarray(row, row + w), y * w);
    }
    return out;
  }
  const f = plan.factor;
  const need = reduce === "any" ? 1 : (f * f) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let count = 0;
      for (let dy = 0; dy < f; dy++) {
        const row = (y * f + dy) * W + x * f;
        for (let dx = 0; dx < f; dx++) count += src[row + dx]!;
      }
      out[y * w + x] = count >= need ? 1 : 0;
    }
  }
  return out;
}
