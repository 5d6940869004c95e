import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import type { Graph, WeightMap } from "@fusegraph/dsl";
import { listExamples } from "@fusegraph/examples";
import type { LayersModel } from "../backends.js";
import type { VerifyReport } from "../cross-backend.js";
import type { CostReport } from "../spec-analysis.js";
import { listSamples, type SpecSource } from "../spec-input.js";

/** One spec the main job runs: a bundled example or a bundled sample. */
export interface JobSubject {
  name: string;
  origin: "example" | "sample";
  /** Merge modes the example says it uses (checked against the graph). */
  declaredMerges?: readonly string[];
  /** A YAML spec the example ships as equivalent to its builder; checked to give the same graph cost. */
  yamlPath?: string;
  load(): Promise<SpecSource>;
  /**
   * The same topology at a small input (an example's smallSpec()), which compile and verify use to stay
   * fast; without it they use the spec itself.
   */
  loadSmall?(): Promise<SpecSource>;
}

/** What the stages learn about a subject; each stage reads what earlier ones left. */
export interface SubjectState {
  readonly subject: JobSubject;
  source?: SpecSource;
  graph?: Graph;
  cost?: CostReport;
  /** The graph compile and verify run (the small spec's, or the graph itself). */
  small?: Graph;
  /** Weights of `small`, shared by compile and verify; dropped when the subject is done. */
  weights?: WeightMap;
  /** The tfjs model compile built, reused by verify; disposed when the subject is done. */
  model?: LayersModel;
  verify?: VerifyReport;
  /** Files the job wrote for this subject, relative to the working directory. */
  files: string[];
  /** Bytes of the compiled model's float32 weights, and whether the model was written to the out dir. */
  saved?: { weightBytes: number; written: boolean; dir: string };
  /** Lines printed after the table: issues, warnings, what failed and why. */
  problems: string[];
}

/** Every bundled example (full-size spec, small spec for compile and verify), then every sample spec. */
export async function mainSubjects(cwd: string): Promise<JobSubject[]> {
  const examples = listExamples().map(
    (e): JobSubject => ({
      name: e.name,
      origin: "example",
      declaredMerges: e.merges,
      ...(e.yamlPath ? { yamlPath: e.yamlPath } : {}),
      load: async () => ({
        kind: "document",
        label: `example:${e.name}`,
        origin: "example",
        document: e.spec(),
      }),
      loadSmall: async () => ({
        kind: "document",
        label: `example:${e.name}`,
        origin: "example",
        document: e.smallSpec(),
      }),
    }),
  );
  const samples = (await listSamples()).map(
    (s): JobSubject => ({
      name: s.name,
      origin: "sample",
      load: async () => ({
        kind: "text",
        label: relative(cwd, s.path),
        origin: "sample",
        text: await readFile(s.path, "utf8"),
      }),
    }),
  );
  return [...examples, ...samples];
}
