import { Resize } from "../layers/resize.js";
import { apply, type Lowering, only } from "../lowering.js";

/** {@link Resize} to the node's inferred H,W (factor, size and like all resolve to it). */
export const upsample: Lowering<"upsample"> = (node, ctx) => {
  const [h = 0, w = 0] = node.shape;
  const { mode, alignCorners } = node.params;
  return apply(new Resize({ name: ctx.name(), size: [h, w], mode, alignCorners }), only(ctx));
};
