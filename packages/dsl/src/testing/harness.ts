import type { IssueCode } from "../issues.js";
import { LIMITS } from "../limits.js";
import { weightCount } from "../ops/common.js";
import type { OpContext, WeightSpec } from "../ops/define-op.js";
import { type OpKind, opDef, ops } from "../ops/index.js";
import type { Shape } from "../shape.js";

/** An issue as an op reports it through its context (relative path, no document location). */
export interface OpIssue {
  code: IssueCode;
  message: string;
  path?: readonly (string | number)[];
  expected?: string;
  received?: string;
  hint?: string;
}

export type OpRun =
  | {
      ok: true;
      params: Record<string, unknown>;
      shape: Shape;
      weights: readonly WeightSpec[];
      /** Total weight elements, trainable or not. */
      paramCount: number;
      trainable: number;
      macs: number;
      flops: number;
    }
  | { ok: false; stage: "params" | "shape"; issues: OpIssue[] };

/**
 * Runs one op alone: parses `rawParams` with its schema, infers the output shape from `inputs` (data
 * inputs, then the shapes of param refs such as crop's `like`), and costs it. Input ids default to
 * `in0`, `in1`, ... and the node id to `node`.
 */
export function runOp(
  kind: OpKind,
  inputs: readonly Shape[],
  rawParams: unknown = {},
  names: { nodeId?: string; inputIds?: readonly string[] } = {},
): OpRun {
  const def = opDef(kind);
  const parsed = def.params.safeParse(rawParams);
  if (!parsed.success) {
    return {
      ok: false,
      stage: "params",
      issues: parsed.error.issues.map((i) => ({
        code: "invalid_params",
        message: i.message,
        path: i.path.map(String),
      })),
    };
  }
  const params = parsed.data;
  const issues: OpIssue[] = [];
  const ctx: OpContext = {
    nodeId: names.nodeId ?? "node",
    inputIds: names.inputIds ?? inputs.map((_, i) => `in${i}`),
    limits: LIMITS,
    issue: (code, message, extra = {}) => issues.push({ code, message, ...extra }),
  };
  const shape = def.inferShape(inputs, params, ctx);
  if (shape === undefined || issues.length > 0) return { ok: false, stage: "shape", issues };
  const args = { inputs, params, output: shape };
  const weights = def.weights(args);
  return {
    ok: true,
    params: params as Record<string, unknown>,
    shape,
    weights,
    paramCount: weightCount(weights),
    trainable: weightCount(weights.filter((w) => w.trainable)),
    macs: def.macs(args),
    flops: def.flops(args),
  };
}

/** {@link runOp} that throws on failure, for tests whose inputs are known to be valid. */
export function mustRun(
  kind: OpKind,
  inputs: readonly Shape[],
  rawParams: unknown = {},
): Extract<OpRun, { ok: true }> {
  const r = runOp(kind, inputs, rawParams);
  if (!r.ok) throw new Error(`${kind} failed at ${r.stage}: ${r.issues.map((i) => i.message).join("; ")}`);
  return r;
}

export interface ExpansionRun {
  /** Expanded nodes with their inferred shapes, in order. */
  nodes: { id: string; kind: OpKind; inputs: readonly string[]; shape: Shape; macs: number; flops: number }[];
  /** Every weight of the expansion by `nodeId/weightName`. */
  weights: Map<string, WeightSpec>;
  /** The composite's own weight-name map. */
  weightMap: Readonly<Record<string, string>>;
}

/**
 * Expands a composite op and infers every expanded node in order (each through its own op's schema and
 * shape rule), so tests can compare the expansion with the composite. Throws if a step fails.
 */
export function runExpansion(
  kind: OpKind,
  inputs: readonly Shape[],
  rawParams: unknown,
  names: { nodeId?: string; inputIds?: readonly string[] } = {},
): ExpansionRun {
  const def = opDef(kind);
  if (!def.expand) throw new Error(`${kind} has no expand()`);
  const id = names.nodeId ?? "node";
  const inputIds = names.inputIds ?? inputs.map((_, i) => `in${i}`);
  const shapes = new Map<string, Shape>(inputIds.map((n, i) => [n, inputs[i] ?? []]));
  const expansion = def.expand({ id, inputs: inputIds }, def.params.parse(rawParams), inputs);
  const nodes: ExpansionRun["nodes"] = [];
  const weights = new Map<string, WeightSpec>();
  for (const n of expansion.nodes) {
    if (!isKind(n.kind)) throw new Error(`expanded node "${n.id}" has unknown kind ${n.kind}`);
    const inShapes = n.inputs.map((i) => {
      const s = shapes.get(i);
      if (!s) throw new Error(`expanded node "${n.id}" reads "${i}" before it exists`);
      return s;
    });
    const r = runOp(n.kind, inShapes, n.params, { nodeId: n.id, inputIds: n.inputs });
    if (!r.ok)
      throw new Error(`expanded node "${n.id}" failed: ${r.issues.map((i) => i.message).join("; ")}`);
    shapes.set(n.id, r.shape);
    nodes.push({ id: n.id, kind: n.kind, inputs: n.inputs, shape: r.shape, macs: r.macs, flops: r.flops });
    for (const w of r.weights) weights.set(`${n.id}/${w.name}`, w);
  }
  return { nodes, weights, weightMap: expansion.weights };
}

function isKind(kind: string): kind is OpKind {
  return Object.hasOwn(ops, kind);
}
