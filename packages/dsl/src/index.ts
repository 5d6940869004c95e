export * from "./analysis/index.js";
export * from "./blocks.js";
export * from "./builder.js";
export * from "./define-op.js";
export * from "./document.js";
export * from "./expr.js";
export * from "./graph.js";
export {
  IMPORTED,
  type ImportedBlock,
  type ImportFailure,
  type ImportOrigin,
  type ImportResolver,
  type PackageRef,
  type ResolvedImport,
} from "./imports.js";
export * from "./init.js";
export * from "./issues.js";
export * from "./ops/common.js";
export * from "./ops/index.js";
export * from "./pipeline.js";
export * from "./print.js";
export * from "./shape.js";
export * from "./tensor.js";
