import type { SpecDocumentInput } from "./document/document.js";
import type { ParseOptions } from "./document/parse-spec.js";
import type { Graph } from "./graph/graph.js";
import { SpecError } from "./issues.js";
import { validateSpec } from "./validate.js";

/** {@link validateSpec} at the API edge: the graph, or a thrown {@link SpecError} carrying every issue. */
export function loadGraph(input: string | SpecDocumentInput, opts: ParseOptions = {}): Graph {
  const r = validateSpec(input, opts);
  if (!r.ok) throw new SpecError(r.issues, opts.filename);
  return r.graph;
}
