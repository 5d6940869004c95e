import { layerIdProblem } from "./compilable.js";
import { CompileError } from "./errors.js";

/**
 * tfjs layer names must be unique, start with a letter or digit and may not contain `/` (it separates
 * a layer's name from its weights' names). Node ids map to layer names by `/` -> `__`, and back by
 * `__` -> `/`; ids that would make this ambiguous (containing `__`) or that start with `_` are
 * refused by {@link checkLayerId}. Parts a node lowers into (a conv's padding, conv1x1Add's
 * projections) are named like expanded nodes, `<id>/<part>`, so `fuse/proj0` becomes `fuse__proj0`.
 */
export function layerNameFor(nodeId: string): string {
  return nodeId.replaceAll("/", "__");
}

/** Inverse of {@link layerNameFor}. */
export function nodeIdForLayer(layerName: string): string {
  return layerName.replaceAll("__", "/");
}

/** Throws a {@link CompileError} naming the node when its id has no reversible layer name. */
export function checkLayerId(nodeId: string): void {
  const p = layerIdProblem(nodeId);
  if (p) throw new CompileError(nodeId, "unsupported_id", p.message, p.hint);
}
