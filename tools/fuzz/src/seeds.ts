import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { IssueCode, ParseOptions } from "@fusegraph/dsl";
import { nodeImportResolver } from "@fusegraph/dsl/node";
import { builtinExamples } from "@fusegraph/examples";
import { parse as parseYaml } from "yaml";
import type { Json } from "./mutate.js";

/** The repository root, for the bundled spec files and the regression corpus. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Every code `IssueCode` names; an issue with any other code is a bug. */
export const KNOWN_CODES: ReadonlySet<IssueCode> = new Set<IssueCode>([
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

/** A valid spec the mutations start from: its text (YAML files) and its data. */
export interface Seed {
  name: string;
  /** The file its imports resolve from (a builder example's document resolves from its package). */
  file: string;
  text: string;
  doc: Json;
}

const resolveImport = nodeImportResolver();

/** Options for a document from `file`: its imports resolve as the CLI would resolve them. */
export const optionsFor = (file: string): ParseOptions => ({ filename: file, resolveImport });

function yamlSeeds(dir: string): Seed[] {
  const at = `${REPO_ROOT}${dir}/`;
  return readdirSync(at)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const text = readFileSync(at + f, "utf8");
      return { name: `${dir}/${f}`, file: at + f, text, doc: parseYaml(text) as Json };
    });
}

// NOTE: builder examples whose documents exceed this are left out: a 60 KB DenseNet-201 mutant costs
// ~100x a sample's time per document, and DenseNet-121 and ResNet-50 already come in as YAML files.
const MAX_BUILDER_JSON = 16_000;

function builderSeeds(): Seed[] {
  const file = `${REPO_ROOT}packages/examples/specs/builder.json`;
  const out: Seed[] = [];
  for (const e of builtinExamples) {
    const text = JSON.stringify(e.spec(), null, 1);
    if (text.length > MAX_BUILDER_JSON || e.yamlPath) continue;
    out.push({ name: `example:${e.name}`, file, text, doc: JSON.parse(text) as Json });
  }
  return out;
}

/** Every bundled example and sample spec: the YAML files, then the builder examples as JSON. */
export const SEEDS: readonly Seed[] = [
  ...yamlSeeds("packages/examples/specs"),
  ...yamlSeeds("packages/cli/samples"),
  ...builderSeeds(),
];
