// Merge analysis: what each merge costs in every mode, what-if rewrites, and the tied-kernel identity.
export * from "./analyze-merges.js";
export * from "./compare.js";
export { graphToDocument, nodeToSpec, revalidate } from "./graph-document.js";
export {
  type ChannelsOption,
  isMergeKind,
  MERGE_KINDS,
  type MergeNode,
  type ModeCheck,
} from "./merge-modes.js";
export * from "./tied-concat.js";
export * from "./with-merge.js";
