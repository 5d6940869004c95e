import { readFileSync } from "node:fs";
import { type Graph, loadGraph } from "@fusegraph/dsl";

/** packages/cli/samples/tiny-unet.yaml: 68x68x1 in, 52x52x2 softmax out, one concat merge. */
export function tinyUnet(): Graph {
  return loadGraph(readFileSync(new URL("../../../../cli/samples/tiny-unet.yaml", import.meta.url), "utf8"));
}

/**
 * An 8x8 segmentation net with two chained adds: m1 = a + b, m2 = m1 + c. Switching m1 alone to concat
 * doubles its channels, which m2 (an add with c's 4 channels) then refuses: compare's downstream issue.
 */
export function twoAdds(): Graph {
  return loadGraph({
    fusegraph: 1,
    name: "two-adds",
    inputs: { image: [8, 8, 1] },
    nodes: {
      a: { op: "conv2d", input: "image", filters: 4, kernelSize: 3, padding: "same" },
      b: { op: "conv2d", input: "image", filters: 4, kernelSize: 1 },
      m1: { merge: "add", inputs: ["a", "b"] },
      r1: { op: "activation", input: "m1", fn: "relu" },
      c: { op: "conv2d", input: "r1", filters: 4, kernelSize: 3, padding: "same" },
      m2: { merge: "add", inputs: ["m1", "c"] },
      r2: { op: "activation", input: "m2", fn: "relu" },
      head: { op: "conv2d", input: "r2", filters: 1, kernelSize: 1 },
      mask: { op: "activation", input: "head", fn: "sigmoid" },
    },
    outputs: ["mask"],
  });
}
