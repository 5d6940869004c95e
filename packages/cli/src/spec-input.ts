import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ImportOrigin, SpecDocumentInput } from "@fusegraph/dsl";
import { findExample, listExamples } from "@fusegraph/examples";
import { UsageError } from "./errors.js";
import type { CliIO } from "./output.js";
import { packageSpecSource } from "./spec-packages.js";

/** A spec ready for validation: text (with a name for `file:line:col` messages) or a built document. */
export type SpecSource =
  | {
      kind: "text";
      /** How messages name it: the path as the user wrote it, or `<stdin>`. */
      label: string;
      origin: "file" | "stdin" | "sample" | "package";
      /** The parser picks YAML or JSON from the label's extension, else from the text. */
      text: string;
      /** Where the spec's `imports:` resolve from (its file and package); the current directory if absent. */
      importOrigin?: ImportOrigin;
    }
  | { kind: "document"; label: string; origin: "example" | "module"; document: SpecDocumentInput };

/**
 * Old sample names and the names they became. NOTE: kept so users' scripts do not break; each use
 * prints one note on stderr. `tiny-fpn` collided with the example of that name, a different graph.
 */
const RENAMED_SAMPLES: Readonly<Record<string, string>> = { "tiny-fpn": "tiny-fpn-two-ways" };

/** A YAML spec shipped in packages/cli/samples. */
export interface Sample {
  name: string;
  path: string;
}

/** packages/cli/samples, found from this module so it works from both src/ and dist/. */
export function samplesDir(): string {
  return fileURLToPath(new URL("../samples/", import.meta.url));
}

/** The bundled sample specs, sorted by name. */
export async function listSamples(): Promise<Sample[]> {
  let names: string[];
  try {
    names = await readdir(samplesDir());
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".yaml"))
    .sort()
    .map((n) => ({ name: basename(n, ".yaml"), path: resolve(samplesDir(), n) }));
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return err instanceof Error ? err.message : String(err);
}

async function readSpecFile(path: string, label: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read spec file "${label}": ${describeFsError(err)}`);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Extensions of spec modules: loaded with `import()`, their export is the spec. */
const MODULE_EXTENSIONS: readonly string[] = [".js", ".mjs", ".cjs"];
/** TypeScript builder files, which Node 20 cannot import without a compile step. */
const TYPESCRIPT_EXTENSIONS: readonly string[] = [".ts", ".mts", ".cts"];

/** Something that looks like a path is never taken for an example name, so typos read as missing files. */
function looksLikePath(arg: string): boolean {
  const ext = extname(arg).toLowerCase();
  return (
    /[\\/]/.test(arg) ||
    [".yaml", ".yml", ".json", ...MODULE_EXTENSIONS, ...TYPESCRIPT_EXTENSIONS].includes(ext)
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The spec a module exports: its default export, else its `spec` export; either a builder (anything
 * with a `toDocument()` method, as `spec()` from @fusegraph/dsl returns) or a plain spec object.
 * Undefined when it exports neither.
 */
function exportedSpec(exports: Record<string, unknown>): SpecDocumentInput | undefined {
  for (const key of ["default", "spec"]) {
    const value = exports[key];
    if (!isRecord(value)) continue;
    const toDocument = value.toDocument;
    if (typeof toDocument === "function") {
      const doc: unknown = toDocument.call(value);
      if (isRecord(doc)) return doc as SpecDocumentInput;
      continue;
    }
    // NOTE: a plain object is taken as a spec document as it is; validation reports what is wrong with it.
    return value as SpecDocumentInput;
  }
  return undefined;
}

/** The first line of what a module threw, for a one-line error. */
function thrownMessage(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.split("\n")[0] ?? text;
}

/**
 * Loads a `.js`/`.mjs`/`.cjs` spec module with `import()` and returns the spec it exports. A module
 * that cannot be found, throws while loading or exports no spec is a {@link UsageError} (exit 2): like an
 * unreadable file, there is no document to check.
 */
async function moduleSource(path: string, label: string): Promise<SpecSource> {
  if (!(await isFile(path))) throw new UsageError(`cannot read spec file "${label}": no such file`);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot load spec module "${label}": it threw ${thrownMessage(err)}`);
  }
  let document: SpecDocumentInput | undefined;
  try {
    document = exportedSpec(exports);
  } catch (err) {
    throw new UsageError(`cannot load spec module "${label}": its toDocument() threw ${thrownMessage(err)}`);
  }
  if (!document) {
    const names = Object.keys(exports).sort();
    throw new UsageError(
      `spec module "${label}" exports no spec: export default (or export const spec =) a builder from ` +
        `spec() in @fusegraph/dsl or a spec object; it exports ${names.length > 0 ? names.join(", ") : "nothing"}`,
    );
  }
  return { kind: "document", label, origin: "module", document };
}

/** A `.ts` spec: refused with what to do, since Node 20 cannot strip TypeScript types. */
function typescriptRefusal(label: string): UsageError {
  const base = label.replace(/\.[cm]?ts$/i, "");
  return new UsageError(
    `cannot load TypeScript spec "${label}": Node ${process.version} does not run TypeScript; compile it ` +
      `to JavaScript first (e.g. \`npx esbuild ${label} --format=esm --outfile=${base}.mjs\` or tsc) ` +
      `and pass the .mjs file`,
  );
}

async function exampleSource(name: string): Promise<SpecSource | undefined> {
  const example = findExample(name);
  return (
    example && { kind: "document", label: `example:${name}`, origin: "example", document: example.spec() }
  );
}

async function sampleSource(name: string, cwd: string): Promise<SpecSource | undefined> {
  const sample = (await listSamples()).find((s) => s.name === name);
  if (!sample) return undefined;
  const text = await readSpecFile(sample.path, name);
  return {
    kind: "text",
    label: relative(cwd, sample.path),
    origin: "sample",
    text,
    importOrigin: { filename: sample.path },
  };
}

/**
 * Resolves the `<spec>` argument: `-` is standard input; an existing file (or anything that looks like
 * a path) is read as a file (a `.js`/`.mjs`/`.cjs` module is imported for the spec it exports; a
 * `.ts` file is refused with how to compile it); `example:<name>` and `sample:<name>` name a bundled
 * example or sample spec; a bare name is tried as an example (`resnet50`), then as a sample. Anything else is a
 * {@link UsageError}. A renamed sample's old `sample:<name>` still works, with a note on `io.stderr`.
 */
export async function readSpecInput(
  arg: string,
  io: Pick<CliIO, "readStdin" | "cwd"> & Partial<Pick<CliIO, "stderr">>,
): Promise<SpecSource> {
  if (arg === "-") {
    let text: string;
    try {
      text = await io.readStdin();
    } catch (err) {
      throw new UsageError(`cannot read spec from standard input: ${describeFsError(err)}`);
    }
    return { kind: "text", label: "<stdin>", origin: "stdin", text };
  }
  const prefixed = /^(example|sample):(.+)$/.exec(arg);
  const path = resolve(io.cwd, arg);
  // `@scope/pkg/name` and `pkg/name` name a spec package's spec, unless such a file exists.
  const fromPackage = !prefixed && !(await isFile(path)) ? packageSpecSource(arg, io.cwd) : undefined;
  if (fromPackage) return fromPackage;
  if (!prefixed && ((await isFile(path)) || looksLikePath(arg))) {
    const ext = extname(arg).toLowerCase();
    if (TYPESCRIPT_EXTENSIONS.includes(ext)) throw typescriptRefusal(arg);
    if (MODULE_EXTENSIONS.includes(ext)) return moduleSource(path, arg);
    const text = await readSpecFile(path, arg);
    return { kind: "text", label: arg, origin: "file", text, importOrigin: { filename: path } };
  }
  const [, only, given = arg] = prefixed ?? [];
  const renamed = only === "sample" ? RENAMED_SAMPLES[given] : undefined;
  if (renamed) io.stderr?.write(`fusegraph: note: sample:${given} is now sample:${renamed}\n`);
  const name = renamed ?? given;
  const found =
    (only !== "sample" ? await exampleSource(name) : undefined) ??
    (only !== "example" ? await sampleSource(name, io.cwd) : undefined);
  if (found) return found;
  const known = [
    ...(only !== "sample" ? listExamples().map((e) => e.name) : []),
    ...(only !== "example" ? (await listSamples()).map((s) => `sample:${s.name}`) : []),
  ];
  const list = known.length > 0 ? ` (bundled: ${known.join(", ")})` : "";
  const what =
    only === "sample"
      ? "bundled sample"
      : only === "example"
        ? "bundled example"
        : "spec file or bundled example";
  throw new UsageError(`no ${what} named "${name}"${list}`);
}
