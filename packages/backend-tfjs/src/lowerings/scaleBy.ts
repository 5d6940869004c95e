import { ScaleBy } from "../layers/fusion.js";
import { apply, type Lowering } from "../lowering.js";

/** {@link ScaleBy}: inputs [x, w] -> x * w[index]. */
export const scaleBy: Lowering<"scaleBy"> = (node, ctx) =>
  apply(new ScaleBy({ name: ctx.name(), index: node.params.index }), [...ctx.inputs]);
