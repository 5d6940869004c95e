import {
  type CoreKind,
  type Graph,
  type OpDef,
  ops,
  type Shape,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";
import { fusedActivation } from "../kernels/activate.js";
import { batchNormAffine } from "../kernels/batchNorm.js";
import type { Compute, Kernel, KernelArgs, KernelTable } from "../kernels/types.js";
import type { PlanStep } from "../plan.js";
import type { StepInfo } from "../profile.js";
import type { WasmContext } from "../wasm/context.js";
import type { CoreNode } from "./expand.js";
import type { FusedNode } from "./fusion-plan.js";

/**
 * A step ready to run: its kernel's Compute, the values it reads and the one it writes, and what a
 * profile reports of it (`info`: the head node, its kernel kind, MACs and the nodes it took over).
 */
export interface Step extends PlanStep {
  compute: Compute;
  info: StepInfo;
}

/**
 * Prepares every step through the kernel table, `table[node.kind](args)`, with the fusions the plan
 * chose (batchNorm folded to scale and shift, the residual as input 1, the activation) and the
 * WebAssembly context in the args. A Compute that `aliasesInput` becomes an aliasing step: it writes
 * into its input's buffer, so it never runs.
 */
export function dispatch(
  graph: Graph,
  nodes: readonly CoreNode[],
  plan: readonly FusedNode[],
  weights: WeightMap,
  table: KernelTable,
  wasm: WasmContext | undefined,
): Step[] {
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  for (const n of nodes) shapes.set(n.id, n.shape);
  // NOTE: checkWeights has run and expansion carried the composites' weights over, so every key exists.
  const weightOf = (id: string) => (name: string) => weights.get(weightKey(id, name))!.data;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // The dsl's cost model, applied to the expanded nodes (a composite's parts carry its MACs).
  const macsOf = (n: CoreNode) =>
    (ops[n.kind] as OpDef<string, unknown>).macs({
      inputs: n.inputs.map((i) => shapes.get(i) ?? []),
      params: n.params,
      output: n.shape,
    });
  return plan.map(({ node, batchNorm, residual, activation, covers }) => {
    const args: KernelArgs<CoreKind> = {
      node,
      inputShapes: node.inputs.map((i) => shapes.get(i) ?? []),
      weight: weightOf(node.id),
      ...(activation && activation.params.fn !== "softmax"
        ? { activation: fusedActivation(activation.params) }
        : {}),
      ...(batchNorm ? { batchNorm: batchNormAffine(batchNorm.params, weightOf(batchNorm.id)) } : {}),
      ...(residual !== undefined ? { residual: true } : {}),
      ...(wasm ? { wasm } : {}),
    };
    const compute = (table[node.kind] as Kernel<CoreKind>)(args);
    const out = covers[covers.length - 1]!;
    if (compute.aliasesInput && covers.length > 1) {
      throw new TypeError(`the ${node.kind} kernel aliases its input, so it cannot take over "${out}"`);
    }
    const inputs = residual !== undefined ? [node.inputs[0]!, residual] : [...node.inputs];
    const covered = covers.map((id) => byId.get(id)!);
    const info: StepInfo = {
      id: node.id,
      kind: node.kind,
      macsPerExample: covered.reduce((sum, n) => sum + macsOf(n), 0),
      fused: covered.slice(1).map((n) => ({ id: n.id, kind: n.kind })),
    };
    return { out, inputs, alias: compute.aliasesInput === true, compute, info };
  });
}
