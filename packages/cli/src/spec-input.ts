import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SpecDocumentInput } from "@fusegraph/dsl";
import { findExample, listExamples } from "@fusegraph/examples";
import { UsageError } from "./errors.js";
import type { CliIO } from "./output.js";

/** A spec ready for validation: text (with a name for `file:line:col` messages) or a built document. */
export type SpecSource =
  | {
      kind: "text";
      /** How messages name it: the path as the user wrote it, or `<stdin>`. */
      label: string;
      origin: "file" | "stdin" | "sample";
      /** The parser picks YAML or JSON from the label's extension, else from the text. */
      text: string;
    }
  | { kind: "document"; label: string; origin: "example"; document: SpecDocumentInput };

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

/** Something that looks like a path is never taken for an example name, so typos read as missing files. */
function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || [".yaml", ".yml", ".json"].includes(extname(arg).toLowerCase());
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
  return { kind: "text", label: relative(cwd, sample.path), origin: "sample", text };
}

/**
 * Resolves the `<spec>` argument: `-` is standard input; an existing file (or anything that looks like
 * a path) is read as a file; `example:<name>` and `sample:<name>` name a bundled example or sample
 * spec; a bare name is tried as an example (`resnet50`), then as a sample. Anything else is a
 * {@link UsageError}.
 */
export async function readSpecInput(arg: string, io: Pick<CliIO, "readStdin" | "cwd">): Promise<SpecSource> {
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
  if (!prefixed && ((await isFile(path)) || looksLikePath(arg))) {
    return { kind: "text", label: arg, origin: "file", text: await readSpecFile(path, arg) };
  }
  const [, only, name = arg] = prefixed ?? [];
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
