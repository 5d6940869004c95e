import type { SpecDocumentInput } from "@fusegraph/dsl";
import { badOption, relu, SpecBuilder } from "./spec-builder.js";

export type UNetSkipMerge = "concat" | "add" | "weightedAdd";

export interface UNetOptions {
  /** `valid` (the paper: unpadded convs, skips centre-cropped) or `same` (output size = input size). */
  padding?: "valid" | "same";
  /** How a skip joins the upsampled path; add/weightedAdd work because the up-conv halves the channels. */
  merge?: UNetSkipMerge;
  /** [H, W, C]; the paper's is [572, 572, 1]. */
  inputShape?: readonly number[];
  classes?: number;
  /** Channels of the first level; each level doubles them. */
  baseFilters?: number;
}

/** Down-sampling steps (the paper's 4; the bottom level is the fifth). */
const LEVELS = 4;

/**
 * Output side of U-Net for an input side `size`, or undefined if some feature map would be odd before a
 * 2x2 pool or empty. With valid padding each level's two 3x3 convs take 4 pixels off.
 */
export function unetOutputSize(size: number, padding: "valid" | "same" = "valid"): number | undefined {
  const shrink = padding === "valid" ? 4 : 0;
  let s = size;
  for (let l = 0; l < LEVELS; l++) {
    s -= shrink;
    if (s < 2 || s % 2 !== 0) return undefined;
    s /= 2;
  }
  s -= shrink;
  for (let l = 0; l < LEVELS; l++) {
    if (s < 1) return undefined;
    s = 2 * s - shrink;
  }
  return s >= 1 ? s : undefined;
}

/** Smallest input side U-Net accepts with valid padding: 188 (output 4x4); valid sides are 188 + 16k. */
export const UNET_MIN_VALID_SIZE = (() => {
  let s = 1;
  while (unetOutputSize(s) === undefined) s++;
  return s;
})();

/**
 * U-Net (Ronneberger et al., 2015): a contracting path of two 3x3 convs + relu and a 2x2 max pool per
 * level (64 -> 1024 channels), an expanding path of 2x2 up-convolutions that halve the channels, each
 * merged with the centre-cropped skip from the same level, and a 1x1 conv to `classes` (logits).
 */
export function unet(options: UNetOptions = {}): SpecDocumentInput {
  const {
    padding = "valid",
    merge = "concat",
    inputShape = [572, 572, 1],
    classes = 2,
    baseFilters = 64,
  } = options;
  const name = "unet";
  if (padding !== "valid" && padding !== "same") badOption(name, "padding", '"valid" or "same"', padding);
  if (!["concat", "add", "weightedAdd"].includes(merge)) {
    badOption(name, "merge", '"concat", "add" or "weightedAdd"', merge);
  }
  for (const [key, v] of [
    ["classes", classes],
    ["baseFilters", baseFilters],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) badOption(name, key, "a positive integer", v);
  }
  const [h = 0, w = 0, c = 0] = inputShape;
  const valid = (s: number): boolean => Number.isInteger(s) && unetOutputSize(s, padding) !== undefined;
  if (inputShape.length !== 3 || !valid(h) || !valid(w) || !Number.isInteger(c) || c < 1) {
    badOption(
      name,
      "inputShape",
      padding === "valid"
        ? `[H, W, C] with H and W of the form ${UNET_MIN_VALID_SIZE} + 16k (e.g. 572)`
        : "[H, W, C] with H and W multiples of 16",
      inputShape,
    );
  }

  const b = new SpecBuilder(
    name,
    { image: [h, w, c] },
    `U-Net (Ronneberger et al., 2015) with ${padding} convs and ${merge} skips; outputs per-pixel logits.`,
  );
  const pad = padding === "valid" ? {} : { padding: "same" };
  const twoConvs = (p: string, x: string, filters: number): string => {
    const c1 = relu(b, `${p}/relu1`, b.op(`${p}/conv1`, "conv2d", x, { filters, kernelSize: 3, ...pad }));
    return relu(b, `${p}/relu2`, b.op(`${p}/conv2`, "conv2d", c1, { filters, kernelSize: 3, ...pad }));
  };

  const skips: string[] = [];
  let x = "image";
  for (let l = 1; l <= LEVELS; l++) {
    const skip = twoConvs(`down${l}`, x, baseFilters * 2 ** (l - 1));
    skips.push(skip);
    x = b.op(`pool${l}`, "maxPool", skip, { poolSize: 2 });
  }
  x = twoConvs("bottom", x, baseFilters * 2 ** LEVELS);
  for (let l = LEVELS; l >= 1; l--) {
    const filters = baseFilters * 2 ** (l - 1);
    const up = b.op(`up${l}/upconv`, "conv2dTranspose", x, { filters, kernelSize: 2, strides: 2 });
    const skip = skips[l - 1] as string;
    const cropped = padding === "valid" ? b.op(`up${l}/crop`, "crop", skip, { like: up }) : skip;
    x = twoConvs(`up${l}`, b.merge(`up${l}/merge`, merge, [cropped, up]), filters);
  }
  return b.build([b.op("head", "conv2d", x, { filters: classes, kernelSize: 1 })]);
}
