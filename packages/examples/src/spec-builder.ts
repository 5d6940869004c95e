import { issue, type SpecDocumentInput, SpecError } from "@fusegraph/dsl";

type NodeInput = SpecDocumentInput["nodes"][string];
/** A node's own fields (op params), as written in a spec. */
export type Params = Record<string, unknown>;

/**
 * Accumulates spec nodes in the order they are added (which is topological, since each node can only
 * name ids that already exist); every method returns the new node's id so calls chain naturally.
 */
export class SpecBuilder {
  private readonly nodes: Record<string, NodeInput> = {};

  constructor(
    private readonly name: string,
    private readonly inputs: Record<string, number[]>,
    private readonly doc?: string,
  ) {}

  /** An `op:` node; several inputs (e.g. multiply's) are written as `inputs`. */
  op(id: string, op: string, input: string | readonly string[], params: Params = {}): string {
    return this.add(
      id,
      typeof input === "string" ? { op, input, ...params } : { op, inputs: [...input], ...params },
    );
  }

  merge(id: string, kind: string, inputs: readonly string[], params: Params = {}): string {
    return this.add(id, { merge: kind, inputs: [...inputs], ...params });
  }

  build(outputs: readonly string[]): SpecDocumentInput {
    return {
      fusegraph: 1,
      name: this.name,
      ...(this.doc !== undefined ? { doc: this.doc } : {}),
      inputs: this.inputs,
      nodes: this.nodes,
      outputs: [...outputs],
    };
  }

  private add(id: string, node: NodeInput): string {
    // NOTE: a repeated id would silently overwrite a node of a plain object; it is a builder bug.
    if (Object.hasOwn(this.nodes, id)) {
      throw new SpecError([
        issue("duplicate_id", ["nodes", id], `example "${this.name}" defines node "${id}" twice`),
      ]);
    }
    this.nodes[id] = node;
    return id;
  }
}

/** Throws a SpecError for a bad builder option (the builders are an API edge). */
export function badOption(example: string, option: string, expected: string, received: unknown): never {
  throw new SpecError([
    issue(
      "invalid_params",
      ["options", option],
      `${example}: option "${option}" must be ${expected}, received ${JSON.stringify(received)}`,
      { expected, received: JSON.stringify(received) },
    ),
  ]);
}

/** Checks an [H, W, C] input shape of positive integers. */
export function checkImageShape(example: string, shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    badOption(example, "inputShape", "[height, width, channels] of positive integers", shape);
  }
  return [shape[0], shape[1], shape[2]] as [number, number, number];
}

/** Conv (no bias unless asked) then batchNorm, with torchvision's BN epsilon (1e-5). */
export function convBn(
  b: SpecBuilder,
  convId: string,
  bnId: string,
  input: string,
  conv: { filters: number; kernelSize: number; strides?: number; padding?: number; useBias?: boolean },
): string {
  const c = b.op(convId, "conv2d", input, {
    filters: conv.filters,
    kernelSize: conv.kernelSize,
    ...(conv.strides !== undefined && conv.strides !== 1 ? { strides: conv.strides } : {}),
    ...(conv.padding ? { padding: conv.padding } : {}),
    useBias: conv.useBias ?? false,
  });
  return b.op(bnId, "batchNorm", c, { epsilon: BN_EPSILON });
}

/** torchvision's BatchNorm2d default; Keras applications use 1.001e-5 (counts are the same). */
export const BN_EPSILON = 1e-5;

export function relu(b: SpecBuilder, id: string, input: string): string {
  return b.op(id, "activation", input, { fn: "relu" });
}

/** Checks an [H, W, C] input whose sides are multiples of 32 (stride-32 backbones), at least 32 * minLevel. */
export function checkStride32(
  name: string,
  shape: readonly number[],
  minLevel: number,
): [number, number, number] {
  const s = checkImageShape(name, shape);
  if (s[0] % 32 !== 0 || s[1] % 32 !== 0 || s[0] < 32 * minLevel || s[1] < 32 * minLevel) {
    badOption(name, "inputShape", `[H, W, C] with H and W multiples of 32, at least ${32 * minLevel}`, shape);
  }
  return s;
}
