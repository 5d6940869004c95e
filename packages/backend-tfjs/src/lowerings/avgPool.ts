import type { Lowering } from "../lowering.js";
import { lowerPool } from "./pooling.js";

export const avgPool: Lowering<"avgPool"> = (node, ctx) =>
  lowerPool("avg", node.params, node.params.countIncludePad, ctx);
