// The browser-safe entry: no node built-ins, no file IO. Node's file IO is in ./node.ts
// (`@fusegraph/backend-tfjs/node`); the custom layers alone are in `@fusegraph/backend-tfjs/layers`.
export * from "./backend.js";
export * from "./compilable.js";
export * from "./compile.js";
export * from "./errors.js";
export * from "./layers/register.js";
export type { LowerContext, Lowering } from "./lowering.js";
export { compositeLowerings, coreLowerings, lowerings } from "./lowerings.js";
export * from "./names.js";
export * from "./predict.js";
export * from "./weights.js";
