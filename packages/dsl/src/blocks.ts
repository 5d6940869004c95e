import type { SpecDocument } from "./document.js";
import type { SpecIssue, SpecPath } from "./issues.js";

/** A node after block expansion: ids are full (`layer1.0/conv1`), params have `$` substitutions done. */
export interface FlatNode {
  id: string;
  /** From `op:` or `merge:`. */
  category: "op" | "merge";
  kind: string;
  /** Refs as written (`input` or `inputs`), already prefixed with the block scope; resolve them through `aliases`. */
  inputs: string[];
  /** Every other field of the node (op/merge/input/inputs/if/with/repeat removed), substituted. */
  params: Record<string, unknown>;
  /** Where the node is written: `["nodes", id]` or `["blocks", name, "nodes", local]`. */
  path: SpecPath;
  /** Use sites that led here, outermost first (for messages): e.g. [["nodes","layer1"]]. */
  via: SpecPath[];
  /** Enclosing block instances, outermost first, e.g. ["layer1.0"]. */
  scope: string[];
}

export interface Expanded {
  nodes: FlatNode[];
  /**
   * Ids that stand for another id: a `use:` node -> its last instance's output, a skipped `if:` node
   * -> its first input, a block's input name -> the ref fed to it. Resolve transitively.
   */
  aliases: Map<string, string>;
}

/**
 * Expands `use:` nodes into flat nodes. SCAFFOLD: handles documents without blocks only; replaced by
 * the full expansion (params, `${expr}`, repeat, if, nesting).
 */
export function expandBlocks(doc: SpecDocument, report: (issue: SpecIssue) => void): Expanded {
  const nodes: FlatNode[] = [];
  for (const [id, n] of Object.entries(doc.nodes)) {
    const { op, merge, use, input, inputs, if: _if, with: _with, repeat: _repeat, ...params } = n;
    if (use !== undefined) {
      report({
        code: "block_error",
        severity: "error",
        path: ["nodes", id, "use"],
        message: "blocks are not expanded yet",
      });
      continue;
    }
    nodes.push({
      id,
      category: merge !== undefined ? "merge" : "op",
      kind: merge ?? op ?? "",
      inputs: inputs ?? (input !== undefined ? [input] : []),
      params,
      path: ["nodes", id],
      via: [],
      scope: [],
    });
  }
  return { nodes, aliases: new Map() };
}
