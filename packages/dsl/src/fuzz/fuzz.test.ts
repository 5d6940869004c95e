import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type IssueCode, SpecError } from "../issues.js";
import { loadGraph } from "../load.js";
import { nodeImportResolver } from "../node/spec-packages.js";
import type { ParseOptions } from "../parse.js";
import { damagedText, hostileObject, type Json, mutatedDoc, yamlFeatures } from "./mutate.js";

/** Every code `IssueCode` names; an issue with any other code is a bug. */
const KNOWN: ReadonlySet<IssueCode> = new Set<IssueCode>([
  "parse_error",
  "invalid_spec",
  "invalid_params",
  "unknown_ref",
  "duplicate_id",
  "cycle",
  "shape_mismatch",
  "unknown_op",
  "limit_exceeded",
  "block_error",
  "unused_node",
  "import_error",
  "import_not_found",
  "import_cycle",
  "import_clash",
  "backend_unsupported",
]);

const RUNS = Number(process.env.FUSEGRAPH_FUZZ_RUNS ?? 2_000);
// NOTE: `npm test` fuzzes a fixed seed so a red run is reproducible; pass FUSEGRAPH_FUZZ_SEED to explore.
// The per-document bound is generous by default (test workers share 2 cores): it catches hangs, while
// FUSEGRAPH_FUZZ_MS=1000 checks the 1-second goal on a quiet machine.
const SEED = Number(process.env.FUSEGRAPH_FUZZ_SEED ?? 20_261_201);
const PER_DOC_MS = Number(process.env.FUSEGRAPH_FUZZ_MS ?? 5_000);

const dirs = ["../../../examples/specs/", "../../../cli/samples/"].map((d) => new URL(d, import.meta.url));
const texts = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => ({ name: f, file: fileURLToPath(new URL(f, d)), text: readFileSync(new URL(f, d), "utf8") })),
);
const docs = texts.map((t) => ({ name: t.name, file: t.file, doc: parseYaml(t.text) as Json }));
const resolveImport = nodeImportResolver();
/** Options for a case from `file`: its imports resolve as the CLI would resolve them. */
const from = (file: string): ParseOptions => ({ filename: file, resolveImport });

type Case = { label: string; input: unknown; opts?: ParseOptions };
const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.constantFrom(...docs).chain((d) =>
    mutatedDoc(d.doc).chain((m) =>
      fc.constantFrom<Case>(
        {
          label: `${d.name} mutated (yaml)`,
          input: stringifyYaml(m),
          opts: { ...from(d.file), format: "yaml" },
        },
        {
          label: `${d.name} mutated (json)`,
          input: JSON.stringify(m),
          opts: { ...from(d.file), format: "json" },
        },
        { label: `${d.name} mutated (object)`, input: m, opts: from(d.file) },
      ),
    ),
  ),
  fc
    .constantFrom(...texts)
    .chain((t) =>
      damagedText(t.text).map((s): Case => ({ label: `${t.name} damaged`, input: s, opts: from(t.file) })),
    ),
  yamlFeatures.map((s): Case => ({ label: "yaml features", input: s })),
  fc
    .constantFrom(...docs)
    .chain((d) =>
      hostileObject(d.doc).map((o): Case => ({ label: `${d.name} hostile`, input: o, opts: from(d.file) })),
    ),
);

/** Object.prototype's own keys, to notice pollution. */
const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(",");

/** One document: a graph, or a SpecError whose issues all carry known codes. Returns the time taken. */
function runOnce(c: Case): number {
  const t0 = performance.now();
  try {
    loadGraph(c.input as string, c.opts);
  } catch (e) {
    if (!(e instanceof SpecError)) throw new Error(`${c.label}: threw ${String(e)}`);
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) if (!KNOWN.has(i.code)) throw new Error(`${c.label}: unknown code ${i.code}`);
  }
  return performance.now() - t0;
}

/**
 * {@link runOnce} within PER_DOC_MS. NOTE: a slow document is timed once more before failing, so a
 * pause from the other test workers sharing the cores is not reported; real slowness repeats.
 */
function check(c: Case): void {
  if (runOnce(c) <= PER_DOC_MS) return;
  const again = runOnce(c);
  if (again > PER_DOC_MS)
    throw new Error(`${c.label}: took ${again.toFixed(0)} ms (twice over ${PER_DOC_MS} ms)`);
}

describe("spec fuzzer", () => {
  it(`every mutated, damaged or hostile document gives a graph or a SpecError (${RUNS} runs)`, () => {
    console.log(`fuzz: FUSEGRAPH_FUZZ_SEED=${SEED} FUSEGRAPH_FUZZ_RUNS=${RUNS}`);
    const proto = protoKeys();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    fc.assert(
      fc.property(caseArb, (c) => {
        check(c);
        expect(protoKeys()).toBe(proto);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED, verbose: 1 },
    );
    const grown = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    console.log(
      `fuzz: ${RUNS} documents in ${((performance.now() - t0) / 1000).toFixed(1)} s, heap +${grown.toFixed(0)} MiB`,
    );
    expect(grown).toBeLessThan(512);
  }, 600_000);

  it("the checker notices a broken loader (negative control)", () => {
    // A case whose loader contract is broken: a plain Error, not a SpecError, must fail the check.
    const bad = {
      label: "control",
      input: {
        get fusegraph(): never {
          throw new Error("x");
        },
      },
    };
    expect(() => check(bad)).not.toThrow(); // handled: sanitize turns the throw into invalid_spec
    const unknown = new SpecError([
      { code: "bogus" as IssueCode, severity: "error", path: [], message: "m" },
    ]);
    const checkIssues = () => {
      for (const i of unknown.issues) if (!KNOWN.has(i.code)) throw new Error("unknown code");
    };
    expect(checkIssues).toThrow(/unknown code/);
    // Every bundled spec itself loads (the mutations start from valid documents).
    for (const t of texts) expect(() => loadGraph(t.text, from(t.file))).not.toThrow();
  });
});
