import { useBackend } from "@fusegraph/backend-tfjs";
import { describe, expect, it } from "vitest";
import { expectAgreement } from "./__fixtures__/agreement.js";
import { graphOf } from "./__fixtures__/graphs.js";
import { builtinExamples, listExamples } from "./index.js";

/** Issue 5's bound: max |tfjs - cpu| over the output's max |value|. */
const TOLERANCE = 1e-4;

// NOTE: tfjs-wasm (XNNPACK, single-threaded and deterministic in Node) measured 5-24x faster than
// tfjs-cpu on these graphs (U-Net 188x188: 1.4 s against 33 s), which keeps this file near a minute.
const backend = await useBackend("wasm");

describe(`examples agree on backend-cpu and tfjs-${backend} at smallSpec (seeded weights and inputs, batch 1)`, () => {
  it("covers every bundled example", () => {
    const names = listExamples().map((e) => e.name);
    for (const e of builtinExamples) expect(names).toContain(e.name);
  });

  it.for(listExamples().map((e) => [e.name, e] as const))(
    "%s: validates, compiles to tfjs, runs on the reference executor, and agrees within 1e-4",
    ([, example]) => {
      expectAgreement(graphOf(example.smallSpec()), TOLERANCE);
    },
  );
});
