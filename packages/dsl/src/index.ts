export * from "./analysis/index.js";
export * from "./blocks/blocks.js";
export * from "./blocks/expr.js";
export * from "./builder/builder.js";
export * from "./builder/print.js";
export * from "./document/document.js";
export {
  IMPORTED,
  type ImportedBlock,
  type ImportFailure,
  type ImportOrigin,
  type ImportResolver,
  type PackageRef,
  type ResolvedImport,
} from "./document/imports.js";
export * from "./graph/graph.js";
export * from "./issues.js";
export * from "./ops/common.js";
export * from "./ops/define-op.js";
export * from "./ops/index.js";
export * from "./pipeline.js";
export * from "./shape.js";
export * from "./weights/init.js";
export * from "./weights/shared-weights.js";
export * from "./weights/tensor.js";
