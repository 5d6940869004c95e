import { useBackend } from "@fusegraph/backend-tfjs";
import { describe, it } from "vitest";
import { expectAgreement } from "./__fixtures__/agreement.js";
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
        expectAgreement(graphOf(example.spec()), TOLERANCE);
      },
    );
  },
);
