import { centreCropOffsets, toPads } from "@fusegraph/dsl";
import { type Lowering, only, onlyShape } from "../lowering.js";
import { cropping } from "./window.js";

/**
 * tf.layers.cropping2D. `like` becomes the centre crop's amounts, offsets floor((H-h)/2) as in the
 * dsl; the `like` input contributes only its shape.
 */
export const crop: Lowering<"crop"> = (node, ctx) => {
  const p = node.params;
  if (p.cropping !== undefined) return cropping(ctx, only(ctx), toPads(p.cropping));
  const [h = 0, w = 0] = onlyShape(ctx);
  const [oh = 0, ow = 0] = node.shape;
  const [top, left] = centreCropOffsets([h, w], [oh, ow]);
  return cropping(ctx, only(ctx), { top, bottom: h - oh - top, left, right: w - ow - left });
};
