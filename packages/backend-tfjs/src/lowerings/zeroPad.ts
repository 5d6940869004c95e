import { toPads } from "@fusegraph/dsl";
import type { Lowering } from "../lowering.js";
import { only } from "../lowering.js";
import { zeroPad as pad } from "./window.js";

/** tf.layers.zeroPadding2d with [[top, bottom], [left, right]]. */
export const zeroPad: Lowering<"zeroPad"> = (node, ctx) => pad(ctx, only(ctx), toPads(node.params.padding));
