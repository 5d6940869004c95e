import type { Topology } from "../graph/topology.js";
import { type IssueCode, issue, type SpecIssue, type SpecPath } from "../issues.js";
import { LIMITS, type Limits } from "../limits.js";
import type { CostArgs, IssueExtra, OpContext, OpDef } from "../ops/define-op.js";
import { formatShape, numel, type Shape } from "../shape.js";

/** `limit_exceeded` for a shape too large to ever allocate (checked before anything is). */
function checkSize(
  limits: Limits,
  shape: Shape,
  path: SpecPath,
  what: string,
  nodeId?: string,
): SpecIssue | undefined {
  const extra = nodeId !== undefined ? { nodeId } : {};
  if (shape.length > limits.maxRank)
    return issue("limit_exceeded", path, `${what} has rank ${shape.length}, more than ${limits.maxRank}`, {
      ...extra,
      expected: `rank <= ${limits.maxRank}`,
      received: String(shape.length),
      hint: "flatten or reshape the tensor to fewer dimensions",
    });
  const n = numel(shape);
  if (n > limits.maxElements)
    return issue(
      "limit_exceeded",
      path,
      `${what} has shape ${formatShape(shape)}: ${n.toExponential(2)} elements per example, more than ${limits.maxElements}`,
      {
        ...extra,
        expected: `at most ${limits.maxElements} elements`,
        received: formatShape(shape),
        hint: "shapes are one example's, without the batch: use a smaller input size or fewer channels",
      },
    );
  return undefined;
}

type CountedOp = Pick<OpDef<string, unknown>, "weights" | "macs" | "flops">;

/**
 * `limit_exceeded` when a node's parameter, MAC or flop count, or the running total of one, is not an
 * exact integer up to `limits.maxCount` (at most 2^53 - 1): beyond it the counts and weight buffers are wrong.
 */
function checkCounts(
  limits: Limits,
  def: CountedOp,
  args: CostArgs<unknown>,
  totals: { params: number; macs: number; flops: number },
  path: SpecPath,
  nodeId: string,
): SpecIssue | undefined {
  let params = 0;
  for (const w of def.weights(args)) params += numel(w.shape);
  const own = { params, macs: def.macs(args), flops: def.flops(args) };
  for (const key of ["params", "macs", "flops"] as const) {
    totals[key] += own[key];
    const over = !(own[key] <= limits.maxCount)
      ? own[key]
      : !(totals[key] <= limits.maxCount)
        ? totals[key]
        : 0;
    if (over !== 0)
      return issue(
        "limit_exceeded",
        path,
        `node "${nodeId}": ${key === "params" ? "parameter" : key === "macs" ? "MAC" : "flop"} count ${over.toExponential(2)}${own[key] === over ? "" : " (graph total)"} is above ${limits.maxCount}${limits.maxCount === LIMITS.maxCount ? ", where counts stop being exact" : ""}`,
        {
          nodeId,
          expected: `at most ${limits.maxCount}`,
          hint: "use smaller kernels, fewer channels or a smaller input",
        },
      );
  }
  return undefined;
}

const validShape = (s: unknown): s is Shape =>
  Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d > 0);

/**
 * Infers every node's shape in topological order. A node is skipped (silently: the cause was reported
 * already) when it failed an earlier check or one of its inputs has no shape.
 */
export function inferShapes(
  topo: Topology,
  report: (i: SpecIssue) => void,
  limits: Limits = LIMITS,
): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const totals = { params: 0, macs: 0, flops: 0 };
  for (const [id, shape] of topo.inputs) {
    const big = checkSize(limits, shape, ["inputs", id], `input "${id}"`);
    if (big) report(big);
    else shapes.set(id, shape);
  }
  for (const i of topo.order) {
    const n = topo.nodes[i]!;
    if (!n.ok || !n.def) continue;
    const inShapes: Shape[] = [];
    for (const id of n.inputs) {
      const s = id === undefined ? undefined : shapes.get(id);
      if (!s) break;
      inShapes.push(s);
    }
    if (inShapes.length !== n.inputs.length) continue;
    const f = n.flat;
    let failed = false;
    const ctx: OpContext = {
      nodeId: f.id,
      inputIds: n.inputs as string[],
      limits,
      issue(code: IssueCode, message: string, extra: IssueExtra = {}) {
        const { path = [], ...rest } = extra;
        const i = issue(code, [...f.path, ...path], message, { ...rest, nodeId: f.id });
        if (i.severity === "error") failed = true;
        report(i);
      },
    };
    const out = n.def.inferShape(inShapes, n.params, ctx);
    if (failed) continue;
    if (!validShape(out)) {
      report(
        issue("shape_mismatch", f.path, `node "${f.id}" (${f.kind}): cannot infer its output shape`, {
          nodeId: f.id,
          received: inShapes.map(formatShape).join(", "),
          ...(out !== undefined ? { expected: "positive integer dimensions" } : {}),
        }),
      );
      continue;
    }
    const big =
      checkSize(limits, out, f.path, `node "${f.id}" (${f.kind}) output`, f.id) ??
      checkCounts(limits, n.def, { inputs: inShapes, params: n.params, output: out }, totals, f.path, f.id);
    if (big) report(big);
    else shapes.set(f.id, out);
  }
  return shapes;
}
