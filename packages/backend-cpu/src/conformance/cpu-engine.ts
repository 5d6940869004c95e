import { loadGraph } from "@fusegraph/dsl";
import { prepare } from "../prepare.js";
import type { Engine } from "./runner.js";

/**
 * The conformance engine of this backend: validate the spec, prepare it with the given weights, run
 * once. One thread: the cases are tiny, and worker start-up would dominate.
 */
export const cpuEngine: Engine = (doc, weights, feeds) => {
  const executor = prepare(loadGraph(doc), weights, { threads: 1 });
  try {
    return executor.run(feeds);
  } finally {
    executor.dispose();
  }
};
