import type { SpecDocumentInput } from "@fusegraph/dsl";

type Nodes = Record<string, Record<string, unknown>>;

/** A single 3x3 conv 64 -> 64 on a 56x56 image (ResNet-50's conv2_x 3x3 layer). */
export function conv3x3Spec(): SpecDocumentInput {
  return {
    fusegraph: 1,
    name: "conv3x3",
    inputs: { x: [56, 56, 64] },
    nodes: { conv: { op: "conv2d", input: "x", filters: 64, kernelSize: 3, padding: "same" } },
    outputs: ["conv"],
  };
}

/**
 * ResNet-50 (He et al., 2016) as Keras's `ResNet50` builds it: bottleneck blocks [3, 4, 6, 3] with the
 * stride on the first 1x1 conv, conv -> batchNorm -> relu, projection shortcuts on the first block of
 * each stage, global average pooling and a 1000-way softmax. 25.6M parameters, 3.9 GMACs.
 */
export function resnet50Spec(): SpecDocumentInput {
  const nodes: Nodes = {};
  const convBn = (id: string, input: string, filters: number, k: number, stride: number, relu: boolean) => {
    nodes[`${id}.conv`] = { op: "conv2d", input, filters, kernelSize: k, strides: stride, padding: "same" };
    nodes[`${id}.bn`] = { op: "batchNorm", input: `${id}.conv`, epsilon: 1.001e-5 };
    if (!relu) return `${id}.bn`;
    nodes[`${id}.relu`] = { op: "activation", input: `${id}.bn`, fn: "relu" };
    return `${id}.relu`;
  };
  let x = convBn("stem", "image", 64, 7, 2, true);
  nodes.pool = { op: "maxPool", input: x, poolSize: 3, strides: 2, padding: "same" };
  x = "pool";
  const stages: [number, number][] = [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ];
  stages.forEach(([width, blocks], s) => {
    for (let b = 0; b < blocks; b++) {
      const id = `s${s + 1}.b${b + 1}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const shortcut = b === 0 ? convBn(`${id}.proj`, x, 4 * width, 1, stride, false) : x;
      let y = convBn(`${id}.a`, x, width, 1, stride, true);
      y = convBn(`${id}.b`, y, width, 3, 1, true);
      y = convBn(`${id}.c`, y, 4 * width, 1, 1, false);
      nodes[`${id}.add`] = { merge: "add", inputs: [y, shortcut] };
      nodes[`${id}.out`] = { op: "activation", input: `${id}.add`, fn: "relu" };
      x = `${id}.out`;
    }
  });
  nodes.gap = { op: "globalAvgPool", input: x };
  nodes.fc = { op: "dense", input: "gap", units: 1000 };
  nodes.probs = { op: "activation", input: "fc", fn: "softmax" };
  return { fusegraph: 1, name: "resnet50", inputs: { image: [224, 224, 3] }, nodes, outputs: ["probs"] };
}
