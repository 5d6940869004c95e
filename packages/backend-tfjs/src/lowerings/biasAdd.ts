import { BiasAdd } from "../layers/fusion.js";
import { apply, type Lowering, only } from "../lowering.js";

/** {@link BiasAdd}: one learnable scalar. */
export const biasAdd: Lowering<"biasAdd"> = (_node, ctx) =>
  apply(new BiasAdd({ name: ctx.name() }), only(ctx));
