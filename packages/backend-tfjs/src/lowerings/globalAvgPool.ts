import type { Lowering } from "../lowering.js";
import { lowerGlobal } from "./pooling.js";

export const globalAvgPool: Lowering<"globalAvgPool"> = (node, ctx) =>
  lowerGlobal("avg", node.params.keepDims, ctx);
