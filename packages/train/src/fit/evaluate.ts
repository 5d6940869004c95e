import type { Graph, WeightMap } from "@fusegraph/dsl";
import { onEngine } from "./engine.js";
import { resolveOptions } from "./options.js";
import { Stream, streamSeed } from "./seeds.js";
import { bindTask, dataset, heldOut, openSession } from "./session.js";
import type { EvaluateOptions, EvaluateResult } from "./types.js";

/**
 * Held-out loss and metric of `weights` on the task's held-out set for `seed`: the same numbers `train`
 * recorded with that seed, `valSamples` and engine, so saved weights can be scored again later.
 */
export async function evaluate(
  graph: Graph,
  weights: WeightMap,
  options: EvaluateOptions,
): Promise<EvaluateResult> {
  const o = resolveOptions(options);
  const binding = bindTask(graph, o.task);
  return onEngine(o.engine, async () => {
    const session = openSession(graph, binding, { seed: o.seed, weights });
    try {
      return await heldOut(session, dataset(binding, o.valSamples, streamSeed(o.seed, Stream.heldOut)));
    } finally {
      session.dispose();
    }
  });
}
