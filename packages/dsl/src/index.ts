export * from "./blocks.js";
export * from "./define-op.js";
export * from "./document.js";
export * from "./graph.js";
export * from "./issues.js";
export * from "./ops/common.js";
export * from "./ops/index.js";
export * from "./shape.js";
