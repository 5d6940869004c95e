// Spec text -> validated graph (issue 17, part C): the subset reader with lazy locations against the
// `yaml`-only path with its location map. Not part of the test suite or the package.
// Run after a build: `node packages/dsl/dist/bench/parse.js [rounds]`.
import { pathToFileURL } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import { printSpec } from "../builder/print.js";
import type { SpecDocumentInput } from "../document/document.js";
import { LIMITS } from "../limits.js";
import { parseTextLocated } from "../text/parse.js";
import { readYamlSubset } from "../text/yaml-subset.js";
import { validateSpec } from "../validate.js";
import { benchSpec } from "./validate-bench.js";

type Nodes = SpecDocumentInput["nodes"];

/**
 * DenseNet-201 written out flat, node for node as `@fusegraph/examples`' `densenet({ depth: 201 })`
 * builds it (torchvision's topology: 98 dense layers in blocks of [6, 12, 48, 32], growth 32,
 * bottleneck 4x, compression 0.5), printed by the dsl's own serialiser. The examples package depends
 * on the dsl, so its builder cannot be imported here.
 */
export function denseNet201Text(): string {
  const nodes: Nodes = {};
  const eps = { epsilon: 1e-5 };
  const add = (id: string, node: Nodes[string]) => {
    nodes[id] = node;
    return id;
  };
  const bnRelu = (norm: string, relu: string, input: string) =>
    add(relu, { op: "activation", input: add(norm, { op: "batchNorm", input, ...eps }), fn: "relu" });
  const conv0 = add("conv0", {
    op: "conv2d",
    input: "image",
    filters: 64,
    kernelSize: 7,
    strides: 2,
    padding: 3,
    useBias: false,
  });
  const relu0 = bnRelu("norm0", "relu0", conv0);
  let x = add("pool0", { op: "maxPool", input: relu0, poolSize: 3, strides: 2, padding: [1, 1, 1, 1] });
  let channels = 64;
  [6, 12, 48, 32].forEach((layers, bi) => {
    for (let i = 0; i < layers; i++) {
      const p = `denseblock${bi + 1}.${i}/`;
      let y = bnRelu(`${p}norm1`, `${p}relu1`, x);
      y = add(`${p}conv1`, { op: "conv2d", input: y, filters: 128, kernelSize: 1, useBias: false });
      y = bnRelu(`${p}norm2`, `${p}relu2`, y);
      y = add(`${p}conv2`, {
        op: "conv2d",
        input: y,
        filters: 32,
        kernelSize: 3,
        padding: 1,
        useBias: false,
      });
      x = add(`${p}concat`, { merge: "concat", inputs: [x, y] });
      channels += 32;
    }
    if (bi < 3) {
      const p = `transition${bi + 1}/`;
      channels = Math.floor(channels * 0.5);
      const y = bnRelu(`${p}norm`, `${p}relu`, x);
      const c = add(`${p}conv`, { op: "conv2d", input: y, filters: channels, kernelSize: 1, useBias: false });
      x = add(`${p}pool`, { op: "avgPool", input: c, poolSize: 2, strides: 2 });
    }
  });
  x = bnRelu("norm5", "relu5", x);
  const pooled = add("avgpool", { op: "globalAvgPool", input: x });
  add("classifier", { op: "dense", input: pooled, units: 1000 });
  const doc: SpecDocumentInput = {
    fusegraph: 1,
    name: "densenet201",
    inputs: { image: [224, 224, 3] },
    nodes,
    outputs: ["classifier"],
  };
  return printSpec(doc, "yaml");
}

/** The path before this change: `yaml` with its location map, then the pipeline on the value. */
function validateBefore(text: string, json: boolean): void {
  const parsed = parseTextLocated(text, { format: json ? "json" : "yaml" });
  if (parsed.issues.length > 0 || parsed.value === undefined) throw new Error("bench spec does not parse");
  // NOTE: validateSpec(object) sanitizes once more (the old text path did it once): `sanitize` below.
  const r = validateSpec(parsed.value as SpecDocumentInput);
  if (!r.ok) throw new Error(`bench spec is invalid: ${r.issues[0]?.message ?? ""}`);
}

function validateAfter(text: string, json: boolean): void {
  const r = validateSpec(text, { format: json ? "json" : "yaml" });
  if (!r.ok) throw new Error(`bench spec is invalid: ${r.issues[0]?.message ?? ""}`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export interface ParseBenchRow {
  name: string;
  chars: number;
  /**
   * Medians in milliseconds of this process's CPU time (user + system), which other processes on a
   * busy machine disturb far less than wall time; `wall*` are the wall-clock medians.
   */
  before: number;
  after: number;
  wallBefore: number;
  wallAfter: number;
  /** Median of the per-round before/after ratios (CPU time). */
  speedup: number;
  /** Where the old time went, medians in ms: `yaml` alone (with the line counter), the subset reader. */
  yamlParse: number;
  subsetRead: number;
  /** The whole pipeline on the already-read document (validateSpec of an object). */
  fromDocument: number;
}

/** Each case: warm-up, then `rounds` rounds, each timing every variant once, interleaved. */
export function runParseBench(rounds = 9): ParseBenchRow[] {
  const yaml1000 = benchSpec();
  const doc1000 = parseDocument(yaml1000).toJS() as SpecDocumentInput;
  const cases = [
    { name: "1,000-node spec, YAML", text: yaml1000, json: false },
    { name: "1,000-node spec, JSON", text: JSON.stringify(doc1000, null, 2), json: true },
    { name: "DenseNet-201 (flat), YAML", text: denseNet201Text(), json: false },
  ];
  return cases.map(({ name, text, json }) => {
    const doc = parseDocument(text).toJS() as SpecDocumentInput;
    const variants = {
      before: () => validateBefore(text, json),
      after: () => validateAfter(text, json),
      yamlParse: () => parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false }),
      subsetRead: () => {
        if (!readYamlSubset(text, json, LIMITS)) throw new Error(`${name}: the subset reader declines it`);
      },
      fromDocument: () => validateSpec(doc),
    };
    const times: Record<keyof typeof variants, number[]> = {
      before: [],
      after: [],
      yamlParse: [],
      subsetRead: [],
      fromDocument: [],
    };
    for (const f of Object.values(variants)) for (let w = 0; w < 3; w++) f();
    const wall = { before: [] as number[], after: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const [k, f] of Object.entries(variants)) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        f();
        const c = process.cpuUsage(c0);
        const ms = performance.now() - t0;
        times[k as keyof typeof variants].push((c.user + c.system) / 1000);
        if (k === "before" || k === "after") wall[k].push(ms);
      }
    }
    return {
      name,
      chars: text.length,
      before: median(times.before),
      after: median(times.after),
      wallBefore: median(wall.before),
      wallAfter: median(wall.after),
      speedup: median(times.before.map((b, i) => b / times.after[i]!)),
      yamlParse: median(times.yamlParse),
      subsetRead: median(times.subsetRead),
      fromDocument: median(times.fromDocument),
    };
  });
}

/** A markdown table of {@link runParseBench}'s rows. */
export function formatParseBench(rows: ParseBenchRow[], rounds: number): string {
  const ms = (x: number) => x.toFixed(1);
  return [
    `text -> validated graph, medians of ${rounds} interleaved rounds, CPU ms (wall ms)`,
    "",
    "| spec | chars | before | after | speedup | yaml parse | subset read | from document |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.chars} | ${ms(r.before)} (${ms(r.wallBefore)}) | ${ms(r.after)} (${ms(r.wallAfter)}) | ${r.speedup.toFixed(1)}x | ${ms(r.yamlParse)} | ${ms(r.subsetRead)} | ${ms(r.fromDocument)} |`,
    ),
    "",
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = Number(process.argv[2] ?? 9);
  process.stdout.write(formatParseBench(runParseBench(rounds), rounds));
}
