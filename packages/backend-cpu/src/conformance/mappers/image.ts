import type { NodeSpec, TensorData, WeightMap } from "@fusegraph/dsl";
import { inputValue, toTensorData } from "../attributes.js";
import { type MapContext, type MapResult, mapped } from "../case-mapping.js";
import { channelsFirst, channelsLast } from "../layout.js";

/**
 * Shared shape of the image ops: X in NCHW is fed as NHWC with ONNX's batch as ours, the chain of
 * nodes ends in `y`, and the output is read back in NCHW.
 */

export interface ImageInput {
  /** [N, C, H, W] */
  dims: [number, number, number, number];
  feed: TensorData;
}

/** Input 0 as a rank-4 NCHW image, or the reason it is not one. */
export function imageInput(ctx: MapContext): ImageInput | string {
  const x = inputValue(ctx, 0);
  if (!x) return "input 0 has no value in the data set";
  if (x.dims.length !== 4) return `input of rank ${x.dims.length}: only 2-D images (NCHW) map onto [H,W,C]`;
  const [n = 0, c = 0, h = 0, w = 0] = x.dims;
  return { dims: [n, c, h, w], feed: channelsLast(toTensorData(x)) };
}

/** A graph `x -> nodes… -> y` over one image input; `nodes` must end with the node `y`. */
export function imageCase(
  ctx: MapContext,
  x: ImageInput,
  nodes: Record<string, NodeSpec>,
  weights: WeightMap = new Map(),
): MapResult {
  const [, c, h, w] = x.dims;
  return mapped({
    doc: { fusegraph: 1, name: `onnx-${ctx.node.opType}`, inputs: { x: [h, w, c] }, nodes, outputs: ["y"] },
    weights,
    feeds: { x: x.feed },
    outputs: [{ id: "y", toOnnx: channelsFirst }],
  });
}
