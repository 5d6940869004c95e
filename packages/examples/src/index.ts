import { builtinExamples } from "./catalog.js";
import { registerExample } from "./registry.js";

export * from "./catalog.js";
export * from "./cpn.js";
export * from "./densenet.js";
export * from "./fpn.js";
export * from "./hed.js";
export * from "./lstm.js";
export * from "./registry.js";
export * from "./resnet.js";
export { SpecBuilder } from "./spec-builder.js";
export * from "./unet.js";

for (const e of builtinExamples) registerExample(e);
