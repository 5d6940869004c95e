import { describe, expect, it } from "vitest";
import type { Arity } from "../ops/define-op.js";
import { isOpKind, type OpKind, opDef, ops } from "../ops/index.js";
import type { Shape } from "../shape.js";
import { opCases } from "./cases.js";
import { runOp } from "./harness.js";

function arityAllows(arity: Arity, n: number): boolean {
  if (arity === "variadic") return n >= 1;
  if (typeof arity === "number") return n === arity;
  return n >= arity.min && n <= arity.max;
}

/** Checks one case node by node (cases list nodes in topological order) and returns the output shapes. */
function inferCase(spec: (typeof opCases)[number]["spec"]): Record<string, Shape> {
  const shapes = new Map<string, Shape>(Object.entries(spec.inputs));
  for (const [id, node] of Object.entries(spec.nodes)) {
    const { op, merge, input, inputs, ...raw } = node;
    const kind = merge ?? op ?? "";
    if (!isOpKind(kind)) throw new Error(`${id}: unknown kind ${kind}`);
    const def = opDef(kind);
    expect(def.category, `${id}: written as ${merge ? "merge" : "op"}`).toBe(merge ? "merge" : "primitive");
    const dataIds = inputs ?? (input !== undefined ? [input] : []);
    expect(arityAllows(def.arity, dataIds.length), `${id}: arity`).toBe(true);
    const refs = def.refs?.(def.params.parse(raw)) ?? [];
    const ids = [...dataIds, ...refs];
    const inShapes = ids.map((i) => {
      const s = shapes.get(i);
      if (!s) throw new Error(`${id}: reads "${i}" before it is defined`);
      return s;
    });
    const r = runOp(kind, inShapes, raw, { nodeId: id, inputIds: ids });
    if (!r.ok) throw new Error(`${id}: ${r.issues.map((i) => i.message).join("; ")}`);
    shapes.set(id, r.shape);
  }
  return Object.fromEntries(spec.outputs.map((o) => [o, shapes.get(o) ?? []]));
}

function kindsOf(c: (typeof opCases)[number]): string[] {
  return Object.values(c.spec.nodes).map((n) => n.merge ?? n.op ?? "");
}

describe("opCases", () => {
  it("cover every op kind (a new op without a case fails here)", () => {
    const covered = new Set(opCases.flatMap(kindsOf));
    const missing = (Object.keys(ops) as OpKind[]).filter((k) => !covered.has(k));
    expect(missing).toEqual([]);
  });

  it("have unique names", () => {
    expect(new Set(opCases.map((c) => c.name)).size).toBe(opCases.length);
  });

  it.each(opCases.map((c) => [c.name, c] as const))("%s is a valid spec with small tensors", (_name, c) => {
    const outputs = inferCase(c.spec);
    for (const s of Object.values(outputs)) {
      expect(s.length).toBeGreaterThan(0);
      expect(s.reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(4096);
    }
  });

  it("the model cases have the shapes worked out by hand", () => {
    const byName = (n: string) => opCases.find((c) => c.name === n)?.spec;
    const fpn = byName("model/fpn-like");
    const unet = byName("model/unet-like");
    const hed = byName("model/hed-like");
    if (!fpn || !unet || !hed) throw new Error("model cases missing");
    expect(inferCase(fpn)).toEqual({ o2: [8, 8, 6], o3: [4, 4, 6], p4: [2, 2, 6] });
    expect(inferCase(unet)).toEqual({ probs: [6, 6, 2] });
    expect(inferCase(hed)).toEqual({ edges: [8, 8, 1], side1: [8, 8, 1] });
  });

  it("cover each weightedAdd normalize mode with bias on and off, and each conv1x1Add project mode", () => {
    const nodes = opCases.flatMap((c) => Object.values(c.spec.nodes));
    const wa = nodes.filter((n) => n.merge === "weightedAdd");
    for (const normalize of ["none", "softmax", "relu"])
      for (const bias of [false, true])
        expect(wa.some((n) => n.normalize === normalize && n.bias === bias)).toBe(true);
    const cx = nodes.filter((n) => n.merge === "conv1x1Add");
    expect(cx.some((n) => n.project === undefined)).toBe(true);
    expect(cx.some((n) => n.project === "all")).toBe(true);
    expect(cx.some((n) => Array.isArray(n.project))).toBe(true);
    expect(cx.some((n) => n.resizeFirst === true)).toBe(true);
    expect(cx.some((n) => n.norm === "batchNorm")).toBe(true);
    const fns = new Set(nodes.filter((n) => n.op === "activation").map((n) => n.fn));
    expect([...fns].sort()).toEqual(["leakyRelu", "relu", "sigmoid", "softmax", "tanh"]);
  });
});
