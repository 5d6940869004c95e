import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGraph } from "@fusegraph/dsl";
import type { Example } from "@fusegraph/examples";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "../export.js";
import { randomInputs, runCpu, seededWeights, worstError } from "./models.js";
import { runOrt } from "./ort.js";
import { CHECK_MODELS, pythonModule, runPython } from "./python.js";

/** The brief's bound: max |onnxruntime - cpu| / max(1, max |cpu|). */
const TOLERANCE = 1e-4;

/**
 * For each example at its smallSpec: export with seeded weights, run on onnxruntime-node and on
 * backend-cpu (batch 1), compare; then check every exported model with python's onnx in one process.
 * (Split over two test files to keep each under a minute.)
 */
export function describeExamples(title: string, examples: readonly Example[]): void {
  const dir = mkdtempSync(join(tmpdir(), "fusegraph-onnx-examples-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const written: string[] = [];
  const onnx = pythonModule("onnx");

  describe(`${title} at smallSpec: onnxruntime-node agrees with backend-cpu within 1e-4 (seeded weights and inputs)`, () => {
    it.for(examples.map((e) => [e.name, e] as const))("%s", async ([name, example]) => {
      const graph = loadGraph(example.smallSpec());
      const weights = seededWeights(graph, 11);
      const inputs = randomInputs(graph, 3, 1);
      const model = exportOnnx(graph, { weights });
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, model);
      written.push(path);
      const { error, shapes } = worstError(
        graph,
        await runOrt(model, inputs),
        runCpu(graph, weights, inputs),
      );
      expect(shapes, "output shapes").toBe(true);
      expect(error).toBeLessThan(TOLERANCE);
    });

    it.skipIf(!onnx.ok && !process.env.CI)(
      `onnx.checker.check_model(full_check=True) accepts each of them, in one python process${onnx.ok ? "" : ` (skipped: ${onnx.reason})`}`,
      () => {
        if (!onnx.ok) throw new Error(`CI needs python's onnx: ${onnx.reason}`);
        expect(written).toHaveLength(examples.length);
        const results = JSON.parse(runPython(CHECK_MODELS, written, 110_000)) as Record<string, string>;
        expect(Object.entries(results).filter(([, r]) => r !== "ok")).toEqual([]);
        expect(Object.keys(results)).toHaveLength(written.length);
      },
      120_000,
    );
  });
}
