// The registry seen generically, public here since the testing entry began.
export { opDef } from "../ops/index.js";
export * from "./cases.js";
export * from "./harness.js";
export * from "./hostile.js";
export * from "./tensors.js";
