import { readdirSync, readFileSync } from "node:fs";
import { validateSpec } from "@fusegraph/dsl";
import type { Case } from "./cases.js";
import { optionsFor, REPO_ROOT } from "./seeds.js";

/** The regression corpus: inputs the fuzzers found (or classes issue 12 lists), each with its outcome. */
export const CORPUS_DIR = `${REPO_ROOT}tools/fuzz/corpus/`;

/** One entry of `corpus/cases.json`. */
export interface CorpusEntry {
  file: string;
  /** `graph` when it must validate, else the sorted distinct issue codes it must give. */
  expect: "graph" | string[];
  /** Also run it on both backends (which must agree and free every tensor). */
  backends?: boolean;
  /** Also run every CLI command on it (none may exit 3). */
  cli?: boolean;
  /** What found it and what was wrong. */
  found: string;
}

export function corpusEntries(): CorpusEntry[] {
  return JSON.parse(readFileSync(`${CORPUS_DIR}cases.json`, "utf8")) as CorpusEntry[];
}

/** Every input file of the corpus directory (all but the manifest). */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f !== "cases.json")
    .sort();
}

/**
 * A corpus file as a fuzz case: its text, loaded as the CLI would load the file. `.json` files are
 * JSON; `.yaml` and `.txt` are YAML (`.txt` holds text that is not even YAML, e.g. a NUL character,
 * which the linter would otherwise try to parse).
 */
export function corpusCase(e: CorpusEntry): Case {
  const file = `${CORPUS_DIR}${e.file}`;
  const text = readFileSync(file, "utf8");
  const format = e.file.endsWith(".json") ? "json" : "yaml";
  return { label: `corpus/${e.file}`, input: text, text, format, opts: { ...optionsFor(file), format } };
}

/** What the dsl makes of a case: `graph`, or its sorted distinct issue codes (warnings included). */
export function outcomeOf(c: Case): "graph" | string[] {
  const r = validateSpec(c.input as string, c.opts);
  if (r.ok) return "graph";
  return [...new Set(r.issues.map((i) => i.code))].sort();
}
