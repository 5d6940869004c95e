import { type Graph, type GraphNode, liveNodeIds, type SpecPath, toPair } from "@fusegraph/dsl";
import { CompileError, type CompileErrorCode } from "./errors.js";

// NOTE: this module must not import tfjs: `fusegraph check` runs these rules (through the
// `@fusegraph/backend-tfjs/compilable` entry) without paying for loading it.

/** Something a valid graph asks for that tfjs layers cannot express, found without compiling. */
export interface CompileIssue {
  /** The node (or graph input) that cannot be lowered. */
  nodeId: string;
  code: Extract<CompileErrorCode, "unsupported_params" | "unsupported_id">;
  message: string;
  hint: string;
  /** Where the node is written in the spec document (a block's nodes point at their `use:`). */
  path: SpecPath;
}

/** The rule without a node: what to say when an id cannot become a layer name, or undefined. */
export function layerIdProblem(id: string): { message: string; hint: string } | undefined {
  if (!id.includes("__") && !id.startsWith("_")) return undefined;
  return {
    message: `id cannot become a tfjs layer name: ids map to layer names by "/" -> "__", and tfjs names start with a letter or digit`,
    hint: `rename the node without "__" and without a leading "_"`,
  };
}

/** tfjs convolutions take strides or dilation above 1, not both; what to say when a window asks for both. */
export function stridesDilationProblem(
  kind: string,
  strides: readonly [number, number],
  dilation: readonly [number, number],
): { message: string; hint: string } | undefined {
  if (!strides.some((s) => s > 1) || !dilation.some((d) => d > 1)) return undefined;
  return {
    message: `${kind} with strides [${strides.join(",")}] and dilation [${dilation.join(",")}]: tfjs convolutions take strides or dilation above 1, not both`,
    hint: "use strides 1 with dilation (then downsample with a pool), or dilation 1",
  };
}

/** The params rule of one node; one `case` per kind tfjs layers limit, the rest lower whatever validates. */
function paramsProblem(node: GraphNode): { message: string; hint: string } | undefined {
  switch (node.kind) {
    case "conv2d":
      return stridesDilationProblem("conv2d", toPair(node.params.strides), toPair(node.params.dilation));
    default:
      return undefined;
  }
}

/**
 * Every reason `compile` would refuse this graph, in graph order, without loading tfjs: `compile` runs
 * exactly this first and throws the first issue as a {@link CompileError}. Nodes no output depends on
 * are not compiled (see `liveNodeIds`), so they are not checked either.
 */
export function checkCompilable(graph: Graph): CompileIssue[] {
  const out: CompileIssue[] = [];
  for (const input of graph.inputs) {
    const p = layerIdProblem(input.id);
    if (p) out.push({ nodeId: input.id, code: "unsupported_id", path: ["inputs", input.id], ...p });
  }
  const live = liveNodeIds(graph);
  for (const node of graph.nodes) {
    if (!live.has(node.id)) continue;
    const id = layerIdProblem(node.id);
    if (id) out.push({ nodeId: node.id, code: "unsupported_id", path: node.path, ...id });
    const params = paramsProblem(node);
    if (params) out.push({ nodeId: node.id, code: "unsupported_params", path: node.path, ...params });
  }
  return out;
}

/** The error `compile` throws for an issue. */
export function compileErrorOf(issue: CompileIssue): CompileError {
  return new CompileError(issue.nodeId, issue.code, issue.message, issue.hint);
}
