import type { Lowering } from "../lowering.js";
import { lowerPool } from "./pooling.js";

export const maxPool: Lowering<"maxPool"> = (node, ctx) => lowerPool("max", node.params, false, ctx);
