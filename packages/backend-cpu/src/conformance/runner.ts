import { join } from "node:path";
import type { SpecDocumentInput, TensorData, WeightMap } from "@fusegraph/dsl";
import { compareTensors } from "./layout.js";
import { mapNode } from "./mapping.js";
import { listOnnxCases, loadOnnxCase, type OnnxCase } from "./onnx-case.js";

/** Runs a fusegraph spec with given weights on batch-first, channels-last feeds; returns outputs by id. */
export type Engine = (
  doc: SpecDocumentInput,
  weights: WeightMap,
  feeds: Record<string, TensorData>,
) => Record<string, TensorData>;

export type CaseStatus = "pass" | "fail" | "skip";

export interface CaseResult {
  name: string;
  status: CaseStatus;
  /** Skip reason, failure cause, or for a pass the largest absolute error. */
  detail: string;
  /** Largest |actual - expected| over every output (pass and numeric fail only). */
  maxAbsError?: number;
}

export interface SuiteResult {
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** abs/rel tolerance of the issue: |a - e| <= atol + rtol * |e|. */
export const TOLERANCE = { atol: 1e-4, rtol: 1e-4 } as const;

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}

/** Maps, runs and compares one loaded case; every path ends in pass, fail or skip with its reason. */
export function runLoadedCase(c: OnnxCase, engine: Engine): CaseResult {
  const { name } = c;
  const node = c.model.graph.nodes[0];
  if (!node || c.model.graph.nodes.length !== 1) {
    return {
      name,
      status: "skip",
      detail: `${c.model.graph.nodes.length} nodes: the runner maps single-node models`,
    };
  }
  const opset = c.model.opsets.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 0;
  const m = mapNode({ node, opset, values: c.values });
  if (!m.ok) return { name, status: "skip", detail: m.reason };
  const { mapped } = m;
  if (mapped.outputs.length !== c.expected.length) {
    return {
      name,
      status: "fail",
      detail: `mapped ${mapped.outputs.length} outputs, the case has ${c.expected.length}`,
    };
  }
  let actual: Record<string, TensorData>;
  try {
    actual = engine(mapped.doc, mapped.weights, mapped.feeds);
  } catch (e) {
    return { name, status: "fail", detail: `error: ${message(e)}` };
  }
  let worst = 0;
  for (let i = 0; i < c.expected.length; i++) {
    const reader = mapped.outputs[i];
    const want = c.expected[i];
    const got = reader ? actual[reader.id] : undefined;
    if (!reader || !want || !got) return { name, status: "fail", detail: `output ${i} was not produced` };
    let onnx: TensorData;
    try {
      onnx = reader.toOnnx(got);
    } catch (e) {
      return {
        name,
        status: "fail",
        detail: `output ${i} "${reader.id}" of shape [${got.shape}]: ${message(e)}`,
      };
    }
    const expected = { shape: [...want.dims], data: Float32Array.from(want.values) };
    const cmp = compareTensors(onnx, expected, TOLERANCE);
    if (!cmp.sameShape) {
      return {
        name,
        status: "fail",
        detail: `output ${i} has shape [${onnx.shape}], expected [${want.dims}]`,
      };
    }
    worst = Math.max(worst, cmp.maxAbsError);
    if (!cmp.withinTolerance) {
      return {
        name,
        status: "fail",
        detail: `output ${i} max error ${cmp.maxAbsError.toExponential(2)}`,
        maxAbsError: worst,
      };
    }
  }
  return { name, status: "pass", detail: `max error ${worst.toExponential(2)}`, maxAbsError: worst };
}

/** Loads then runs one case directory; a case that cannot be read fails with the reason. */
export function runCase(root: string, name: string, engine: Engine): CaseResult {
  let c: OnnxCase;
  try {
    c = loadOnnxCase(join(root, name), name);
  } catch (e) {
    return { name, status: "fail", detail: `cannot read the case: ${message(e)}` };
  }
  return runLoadedCase(c, engine);
}

/** Runs every `test_*` case under `root`, in name order. */
export function runSuite(root: string, engine: Engine, onResult?: (r: CaseResult) => void): SuiteResult {
  const results: CaseResult[] = [];
  for (const name of listOnnxCases(root)) {
    const r = runCase(root, name, engine);
    results.push(r);
    onResult?.(r);
  }
  const count = (s: CaseStatus): number => results.filter((r) => r.status === s).length;
  return { results, passed: count("pass"), failed: count("fail"), skipped: count("skip") };
}

/** `PASS name max error …`, `SKIP name reason`, `FAIL name cause`. */
export function formatResult(r: CaseResult): string {
  return `${r.status.toUpperCase()} ${r.name}  ${r.detail}`;
}

/** The closing line CI reads. */
export function formatSummary(s: SuiteResult): string {
  return `onnx conformance: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
}
