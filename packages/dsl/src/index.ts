export * from "./define-op.js";
export * from "./graph.js";
export * from "./issues.js";
export * from "./ops/common.js";
export * from "./ops/index.js";
export * from "./shape.js";
export * from "./document.js";
