import type { Lowering } from "../lowering.js";
import { lowerGlobal } from "./pooling.js";

export const globalMaxPool: Lowering<"globalMaxPool"> = (node, ctx) =>
  lowerGlobal("max", node.params.keepDims, ctx);
