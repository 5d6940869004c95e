import { readFileSync } from "node:fs";
import { type Graph, type SpecDocumentInput, validateSpec } from "@fusegraph/dsl";
import { lstmClassifier, tinyFpn } from "@fusegraph/examples";

/** A validated graph from a spec text or document; a fixture that does not validate fails the test loudly. */
export function graphOf(spec: string | SpecDocumentInput): Graph {
  const r = validateSpec(spec);
  if (!r.ok) throw new Error(`fixture does not validate: ${r.issues.map((i) => i.message).join("; ")}`);
  return r.graph;
}

export const sampleGraph = (name: string): Graph =>
  graphOf(readFileSync(new URL(`../../../../cli/samples/${name}.yaml`, import.meta.url), "utf8"));

export const tinyUnet = (): Graph => sampleGraph("tiny-unet");
export const tinyHed = (): Graph => sampleGraph("tiny-hed");
export const tinyFpnTwoWays = (): Graph => sampleGraph("tiny-fpn-two-ways");
export const tinyFpnExample = (): Graph => graphOf(tinyFpn());
export const lstmExample = (): Graph => graphOf(lstmClassifier());

export type Head = "none" | "sigmoid" | "softmax";

/**
 * A one-conv image graph: input [H, W, C] -> `pre` (maxPool 2, upsample 2, or a valid 3x3 conv) ->
 * 1x1 conv with `c` filters -> optional head. Output [h, w, c].
 */
export function convGraph(
  input: readonly number[],
  c: number,
  head: Head,
  pre: "none" | "pool" | "up" | "valid" = "none",
): Graph {
  const nodes: Record<string, unknown> = {};
  let x = "image";
  if (pre === "pool") nodes.pre = { op: "maxPool", input: x, poolSize: 2 };
  if (pre === "up") nodes.pre = { op: "upsample", input: x, factor: 2 };
  if (pre === "valid") nodes.pre = { op: "conv2d", input: x, filters: 2, kernelSize: 3 };
  if (pre !== "none") x = "pre";
  nodes.out = { op: "conv2d", input: x, filters: c, kernelSize: 1 };
  if (head !== "none") nodes.head = { op: "activation", input: "out", fn: head };
  return graphOf({
    fusegraph: 1,
    name: "conv-fixture",
    inputs: { image: [...input] },
    nodes,
    outputs: [head === "none" ? "out" : "head"],
  } as SpecDocumentInput);
}

/** input [T, F] -> lstm(4) -> dense(c) -> optional head. */
export function lstmGraph(t: number, f: number, c: number, head: Head): Graph {
  const nodes: Record<string, unknown> = {
    rnn: { op: "lstm", input: "seq", units: 4 },
    out: { op: "dense", input: "rnn", units: c },
  };
  if (head !== "none") nodes.head = { op: "activation", input: "out", fn: head };
  return graphOf({
    fusegraph: 1,
    name: "lstm-fixture",
    inputs: { seq: [t, f] },
    nodes,
    outputs: [head === "none" ? "out" : "head"],
  } as SpecDocumentInput);
}
