import { type GraphNode, toPair } from "@fusegraph/dsl";

/**
 * Whether the node lowers to a single built-in tfjs layer whose output is the node's output, so the
 * layer's `activation` can apply a following activation: conv2d with groups 1 (Conv2D) or, in the
 * portable target, groups equal to the input channels (DepthwiseConv2D); conv2dTranspose undilated
 * with `same` padding (any other is cropped or zero-extended after the layer, which an activation
 * does not commute with); dense. Grouped convs in the trainable target are a custom layer without one.
 */
export function canFuseActivation(node: GraphNode, inputChannels: number, portable: boolean): boolean {
  switch (node.kind) {
    case "conv2d":
      return node.params.groups === 1 || (portable && node.params.groups === inputChannels);
    case "conv2dTranspose":
      return node.params.padding === "same" && toPair(node.params.dilation).every((d) => d === 1);
    case "dense":
      return true;
    default:
      return false;
  }
}
