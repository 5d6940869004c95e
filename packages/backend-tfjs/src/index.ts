export * from "./backend.js";
export * from "./compile.js";
export * from "./errors.js";
export * from "./io.js";
export * from "./layers/register.js";
export type { LowerContext, Lowering } from "./lowering.js";
export { compositeLowerings, coreLowerings, lowerings } from "./lowerings.js";
export * from "./names.js";
export * from "./weights.js";
