import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGraph } from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import { afterAll, describe, expect, it } from "vitest";
import { seededWeights } from "./__fixtures__/models.js";
import { CHECK_MODELS, pythonModule, runPython } from "./__fixtures__/python.js";
import { exportOnnx, onnxModel } from "./export.js";
import { encodeModel } from "./onnx-proto.js";

const onnx = pythonModule("onnx");
const dir = mkdtempSync(join(tmpdir(), "fusegraph-onnx-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!onnx.ok && !process.env.CI)(
  `onnx.checker.check_model(full_check=True) accepts every conformance case${onnx.ok ? "" : ` (skipped: ${onnx.reason})`}`,
  () => {
    it("all cases, checked in one python process", () => {
      if (!onnx.ok) throw new Error(`CI needs python's onnx: ${onnx.reason}`);
      const paths = opCases.map((c, i) => {
        const graph = loadGraph(c.spec);
        const path = join(dir, `${i}-${c.name.replace(/\W+/g, "_")}.onnx`);
        writeFileSync(path, exportOnnx(graph, { weights: seededWeights(graph, 17) }));
        return path;
      });
      const results = JSON.parse(runPython(CHECK_MODELS, paths)) as Record<string, string>;
      const failures = Object.entries(results).filter(([, r]) => r !== "ok");
      expect(failures).toEqual([]);
      expect(Object.keys(results)).toHaveLength(opCases.length);
    });

    it("negative control: the checker rejects a model with a wrong attribute or a dangling input", () => {
      if (!onnx.ok) throw new Error(`CI needs python's onnx: ${onnx.reason}`);
      const c = opCases.find((x) => x.name === "conv2d/valid");
      if (!c) throw new Error("conv2d/valid case missing");
      const graph = loadGraph(c.spec);
      const model = onnxModel(graph, { weights: seededWeights(graph, 17) });
      const wrongKernel = model.graph.nodes.map((n) =>
        n.opType === "Conv"
          ? { ...n, attributes: { ...n.attributes, kernel_shape: { kind: "ints" as const, value: [3] } } }
          : n,
      );
      const dangling = model.graph.nodes.map((n) =>
        n.opType === "Conv"
          ? { ...n, inputs: [...n.inputs.slice(0, 1), "nowhere", ...n.inputs.slice(2)] }
          : n,
      );
      const paths = [wrongKernel, dangling].map((nodes, i) => {
        const path = join(dir, `broken-${i}.onnx`);
        writeFileSync(path, encodeModel({ ...model, graph: { ...model.graph, nodes } }));
        return path;
      });
      const results = JSON.parse(runPython(CHECK_MODELS, paths)) as Record<string, string>;
      for (const p of paths) expect(results[p], p).not.toBe("ok");
    });
  },
);
