import { useBackend } from "@fusegraph/backend-tfjs";
import { initWeights } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { relativeError, runCpu, runTfjs, seededInputs } from "./__fixtures__/agreement.js";
import { graphOf } from "./__fixtures__/graphs.js";
import { listExamples } from "./index.js";

const SLOW = process.env.FUSEGRAPH_SLOW === "1";
const TOLERANCE = 1e-4;
/** U-Net at 572x572 is 150 GMACs: minutes on two cores. */
const PER_EXAMPLE_MS = 20 * 60_000;

// NOTE: selected only when the test runs, so a skipped file starts no WebAssembly.
const backend = SLOW ? await useBackend("wasm") : "wasm";

describe.skipIf(!SLOW)(
  `full-size examples agree on backend-cpu and tfjs-${backend} (skipped unless FUSEGRAPH_SLOW=1: ~250 GMACs in all, minutes on two cores)`,
  () => {
    it.for(listExamples().map((e) => [e.name, e] as const))(
      "%s at its published input size agrees within 1e-4",
      { timeout: PER_EXAMPLE_MS },
      ([, example]) => {
        const graph = graphOf(example.spec());
        const weights = initWeights(graph, { seed: 1 });
        const inputs = seededInputs(graph, 1);
        const want = runCpu(graph, weights, inputs);
        const got = runTfjs(graph, weights, inputs);
        for (const id of graph.outputs) {
          const { error, scale } = relativeError(got[id]!, want[id]!);
          expect(scale, `output "${id}" scale`).toBeGreaterThan(0);
          expect(error, `output "${id}" relative error (scale ${scale})`).toBeLessThanOrEqual(TOLERANCE);
        }
      },
    );
  },
);
