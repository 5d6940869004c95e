import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import {
  type FileHandle,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
} from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, parse, resolve, sep } from "node:path";
import { makeDirs } from "./make-dirs.js";

/**
 * Safe, atomic writing of fusegraph's output directories (a tfjs model, a weights directory, an ONNX
 * model, a PyTorch export: the {@link OUTPUT_KINDS}).
 *
 * An output is one manifest file — the commit point — plus the data files it names. Replacing an output
 * never goes through a moment where the name holds neither the old nor the new complete output:
 * - a new directory is staged in a sibling and renamed into place (rename onto an absent or empty
 *   directory is atomic);
 * - an existing output is replaced in place: new data files under transitional names, then the manifest
 *   (pointing at them) renamed over the old one, then the final data names swapped in with hard links
 *   and the final manifest renamed in. Every rename replaces one file atomically, and each manifest
 *   that is ever visible names data files holding its own weights. Any kind replaces any other this
 *   way: the other kind's manifests go once the new one is committed, its data files last. (model.py
 *   names no data file: between the commit and the swap it sits beside the previous train_ddp.py.)
 * Leftovers of a killed run (sibling staging directories, transitional files) carry the writer's pid and
 * are removed by the next run once that process is gone.
 */

export type OutputDirErrorCode =
  | "exists"
  | "protected"
  | "not_fusegraph"
  | "not_a_directory"
  | "not_a_file"
  | "unwritable";

/** Why an output directory was refused or could not be written; `path` is the directory as given. */
export class OutputDirError extends Error {
  override readonly name = "OutputDirError";
  constructor(
    readonly code: OutputDirErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The steps of a write, in order; `onStep` sees each just before it happens (tests kill the writer there). */
export const OUTPUT_STEPS = [
  "stage",
  "write-data",
  "commit-staged",
  "write-transitional",
  "commit-transitional",
  "remove-other-manifests",
  "swap-data",
  "commit-final",
  "cleanup",
] as const;
export type OutputStep = (typeof OUTPUT_STEPS)[number];

export interface OutputFile {
  /** The final file name, e.g. `weights.bin`. */
  name: string;
  bytes: Uint8Array;
}

export interface OutputContent {
  /** The manifest's file name, e.g. `model.json`: the manifest of one of {@link OUTPUT_KINDS}. */
  manifest: string;
  /**
   * The manifest's text or bytes, given the names under which the data files currently are
   * (final name → actual).
   */
  render(names: ReadonlyMap<string, string>): string | Uint8Array;
  /** The data files, each one that its kind owns. */
  data: readonly OutputFile[];
}

export interface OutputCheckOptions {
  /** Replace an existing fusegraph output (default false: refuse it). */
  overwrite?: boolean;
  /** The working directory to protect (default `process.cwd()`); relative paths resolve against it. */
  cwd?: string;
}

export interface OutputOptions extends OutputCheckOptions {
  /** Called before each step of the write; for fault-injection tests. */
  onStep?: (step: OutputStep) => void;
}

/**
 * Manifests that mark a directory as a fusegraph output: a tfjs model.json that fusegraph wrote
 * (`convertedBy: "fusegraph"`), or fusegraph's weights.json. (The JSON manifests of {@link OUTPUT_KINDS}.)
 */
export const OUTPUT_MANIFESTS: Readonly<Record<string, (json: Record<string, unknown>) => boolean>> = {
  "model.json": (j) => j.convertedBy === FUSEGRAPH_MARK,
  "weights.json": (j) => j.format === "fusegraph-weights",
};
/** The value of `convertedBy` in every model.json fusegraph writes. */
export const FUSEGRAPH_MARK = "fusegraph";
/** fusegraph's ONNX export (backend-onnx's saveOnnx): one binary ModelProto, recognised by its producer. */
export const ONNX_MODEL_FILE = "model.onnx";
/** backend-pytorch's export (savePytorch): model.py, recognised by this mark on its first line, and train_ddp.py. */
export const PYTORCH_MODEL_FILE = "model.py";
/** The mark on the first line of every model.py that backend-pytorch writes. */
export const PYTORCH_MARK = "exported by @fusegraph/backend-pytorch";
/** `fusegraph train --out`: history.json (the commit point, `format: "fusegraph-training"`) and what it names. */
export const TRAINING_MANIFEST = "history.json";
export const TRAINING_FORMAT = "fusegraph-training";
/** `fusegraph ablate --out`: ablation.json (`format: "fusegraph-ablation"`) and its chart. */
export const ABLATION_MANIFEST = "ablation.json";
export const ABLATION_FORMAT = "fusegraph-ablation";

/** How a manifest is recognised as fusegraph's: a JSON object's fields, the file's leading bytes, or its first line. */
export type OutputRecognition =
  | { readonly json: (json: Record<string, unknown>) => boolean }
  | { readonly leadingBytes: number; readonly test: (head: Uint8Array) => boolean }
  | { readonly firstLineMark: string };

/** One kind of output fusegraph writes: a manifest (the commit point) and the data files it owns. */
export interface OutputKind {
  /** A short name for the kind, e.g. `tfjs-model`. */
  readonly name: string;
  /** The manifest's file name; a directory holding it is an output of this kind only if it is recognised. */
  readonly manifest: string;
  readonly recognise: OutputRecognition;
  /** The data files an output of this kind may hold beside its manifest. */
  readonly data: readonly string[];
}

/** A ModelProto fusegraph wrote starts with ir_version (field 1, one byte) and producer_name "fusegraph" (field 2). */
function isFusegraphOnnxHead(head: Uint8Array): boolean {
  return (
    head.length >= 13 &&
    head[0] === 0x08 &&
    head[2] === 0x12 &&
    head[3] === 9 &&
    new TextDecoder().decode(head.subarray(4, 13)) === FUSEGRAPH_MARK
  );
}

/**
 * Every kind of output fusegraph writes. Any of them replaces any other (and itself) in place, with the
 * same protocol and steps; a directory is fusegraph's when it holds only these files (and fusegraph's
 * transient ones) and at least one manifest, each of them recognised.
 */
export const OUTPUT_KINDS: readonly OutputKind[] = [
  {
    name: "tfjs-model",
    manifest: "model.json",
    recognise: { json: (j) => OUTPUT_MANIFESTS["model.json"]!(j) },
    data: ["weights.bin"],
  },
  {
    name: "weights",
    manifest: "weights.json",
    recognise: { json: (j) => OUTPUT_MANIFESTS["weights.json"]!(j) },
    data: ["weights.bin"],
  },
  {
    name: "onnx",
    manifest: ONNX_MODEL_FILE,
    recognise: { leadingBytes: 13, test: isFusegraphOnnxHead },
    data: [],
  },
  {
    name: "pytorch",
    manifest: PYTORCH_MODEL_FILE,
    recognise: { firstLineMark: PYTORCH_MARK },
    data: ["train_ddp.py"],
  },
  // A training checkpoint holds a weights output and a tfjs model side by side (the model's binary
  // renamed so the two do not collide). NOTE: its writer lists binaries before the manifests naming
  // them, so the swap step never shows a weights.json or model.json beside another epoch's binary.
  {
    name: "training",
    manifest: TRAINING_MANIFEST,
    recognise: { json: (j) => j.format === TRAINING_FORMAT },
    data: ["weights.bin", "model.weights.bin", "curves.svg", "weights.json", "model.json"],
  },
  {
    name: "ablation",
    manifest: ABLATION_MANIFEST,
    recognise: { json: (j) => j.format === ABLATION_FORMAT },
    data: ["curves.svg"],
  },
];

const OUTPUT_FILES: ReadonlySet<string> = new Set(OUTPUT_KINDS.flatMap((k) => [k.manifest, ...k.data]));

/** The first `length` bytes of a file (fewer if it is shorter); undefined if it cannot be read. */
async function readHead(path: string, length: number): Promise<Uint8Array | undefined> {
  const fh = await open(path, "r").catch(() => undefined);
  if (!fh) return undefined;
  try {
    const head = new Uint8Array(length);
    const { bytesRead } = await fh.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}

/** The longest first line a first-line mark is looked for in. */
const FIRST_LINE_LIMIT = 4096;

/** Whether the file at `path` is a manifest of `kind` that fusegraph wrote. */
async function isOurManifest(path: string, kind: OutputKind): Promise<boolean> {
  const r = kind.recognise;
  if ("json" in r) {
    const json = await readJsonObject(path);
    return json !== undefined && r.json(json);
  }
  if ("leadingBytes" in r) {
    const head = await readHead(path, r.leadingBytes);
    return head !== undefined && head.length === r.leadingBytes && r.test(head);
  }
  const head = await readHead(path, FIRST_LINE_LIMIT);
  if (head === undefined) return false;
  const text = new TextDecoder().decode(head);
  const end = text.indexOf("\n");
  return (end < 0 ? text : text.slice(0, end)).includes(r.firstLineMark);
}

// Transient names carry the writer's pid, so a later run can tell a dead writer's leftovers from a live one's.
const STAGING_DIR = /^\.(.+)\.(?:fusegraph-tmp|tmp|old)-(\d+)-[0-9a-f]+$/;
const TEMP_FILE = /^\.fusegraph-tmp-(\d+)-[0-9a-f]+-/;
const TRANSITIONAL_FILE = /\.fusegraph-(\d+)-[0-9a-f]+(?:\.[^.]*)?$/;

function tag(): string {
  return `${process.pid}-${randomBytes(4).toString("hex")}`;
}

function transitionalName(name: string, t: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}.fusegraph-${t}${name.slice(dot)}` : `${name}.fusegraph-${t}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function lstatOrNull(path: string) {
  return lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw e;
  });
}

/** Directories a tool must never replace: the working directory and its ancestors, home, the root. */
async function protectedReason(abs: string, workdir: string): Promise<string | undefined> {
  const real = await realpath(abs).catch(() => abs);
  const cwd = await realpath(workdir).catch(() => workdir);
  const home = await realpath(homedir()).catch(() => homedir());
  for (const p of new Set([abs, real])) {
    if (p === parse(p).root) return "it is the root directory";
    if (p === home) return "it is the home directory";
    if (p === cwd) return "it is the current directory";
    if (cwd.startsWith(p.endsWith(sep) ? p : p + sep)) return "it contains the current directory";
  }
  return undefined;
}

async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = JSON.parse(await readFile(path, "utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `dir` holds a fusegraph output and nothing else: a marked manifest, and only the files
 * fusegraph writes (plus its own transient files). A directory holding anything more is the user's.
 */
async function foreignEntries(dir: string, entries: readonly string[]): Promise<string[]> {
  const foreign = entries.filter(
    (e) => !OUTPUT_FILES.has(e) && !TEMP_FILE.test(e) && !TRANSITIONAL_FILE.test(e),
  );
  if (foreign.length > 0) return foreign;
  let marked = false;
  for (const kind of OUTPUT_KINDS) {
    if (!entries.includes(kind.manifest)) continue;
    if (!(await isOurManifest(join(dir, kind.manifest), kind))) return [kind.manifest];
    marked = true;
  }
  return marked ? [] : entries.filter((e) => OUTPUT_FILES.has(e));
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => JSON.stringify(n));
  return names.length > 3 ? `${shown.join(", ")} and ${names.length - 3} more` : shown.join(", ");
}

function fsError(dir: string, e: unknown): OutputDirError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOTDIR: "a part of the path is a file, not a directory",
    ENOENT:
      "that location cannot hold new files (a directory on the path is missing or virtual, as under /proc)",
    ENAMETOOLONG: "a name in the path is too long for the file system",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "the file system is read-only",
    ENOSPC: "no space left on the device",
    EEXIST: "it appeared while writing",
  };
  const reason = (err.code && why[err.code]) ?? err.message ?? String(e);
  return new OutputDirError("unwritable", dir, `cannot write to ${dir}: ${reason}`);
}

/** What is at the output path now: nothing, an empty directory (both created anew), or an output to replace. */
type Target = { kind: "absent" } | { kind: "empty" } | { kind: "output"; entries: string[] };

async function inspectTarget(dir: string, options: OutputCheckOptions): Promise<Target> {
  const cwd = options.cwd ?? process.cwd();
  const abs = resolve(cwd, dir);
  const reason = await protectedReason(abs, cwd);
  if (reason) {
    throw new OutputDirError("protected", dir, `refusing to write an output to ${dir}: ${reason}`);
  }
  let st: Awaited<ReturnType<typeof lstatOrNull>>;
  try {
    st = await lstatOrNull(abs);
  } catch (e) {
    throw fsError(dir, e);
  }
  if (st === null) return { kind: "absent" };
  if (st.isSymbolicLink()) {
    throw new OutputDirError(
      "not_a_directory",
      dir,
      `${dir} is a symbolic link; give the directory it points to`,
    );
  }
  if (!st.isDirectory()) {
    throw new OutputDirError(
      "not_a_directory",
      dir,
      `${dir} is a file; an output directory never replaces a file — choose another path`,
    );
  }
  let entries: string[];
  try {
    entries = await readdir(abs);
  } catch (e) {
    throw fsError(dir, e);
  }
  if (entries.length === 0) return { kind: "empty" };
  const foreign = await foreignEntries(abs, entries);
  if (foreign.length > 0) {
    throw new OutputDirError(
      "not_fusegraph",
      dir,
      `${dir} is not a fusegraph output (it holds ${list(foreign)}); fusegraph only replaces its own outputs — choose another path`,
    );
  }
  if (options.overwrite !== true) {
    throw new OutputDirError(
      "exists",
      dir,
      `${dir} already exists; replace it with { overwrite: true } (--force on the command line)`,
    );
  }
  return { kind: "output", entries };
}

/** Removes staging directories that earlier, killed runs left beside `dir` (only fusegraph's, only of dead processes). */
async function removeStaleSiblings(abs: string): Promise<void> {
  const parent = dirname(abs);
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const n of names) {
    const m = STAGING_DIR.exec(n);
    if (m && m[1] === basename(abs) && !alive(Number(m[2]))) {
      await rm(join(parent, n), { recursive: true, force: true });
    }
  }
}

/** Removes transient files inside an output that no live writer owns and the manifest no longer names. */
async function removeStaleInside(abs: string, keep: ReadonlySet<string>): Promise<void> {
  for (const n of await readdir(abs).catch(() => [] as string[])) {
    if (keep.has(n)) continue;
    const m = TEMP_FILE.exec(n) ?? TRANSITIONAL_FILE.exec(n);
    const pid = Number(m?.[1]);
    if (m && (pid === process.pid || !alive(pid))) await rm(join(abs, n), { force: true });
  }
}

async function writeDurably(path: string, bytes: Uint8Array | string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh?.close();
  }
}

/**
 * Checks, before any work, that `dir` may receive an output: not the working directory, one of its
 * ancestors, home or the root; not a file or a link; absent, empty, or a previous fusegraph output
 * (replaced only with `overwrite`). Also removes what killed runs left beside it. Throws OutputDirError.
 */
export async function checkOutputDir(dir: string, options: OutputCheckOptions = {}): Promise<void> {
  await inspectTarget(dir, options);
  await removeStaleSiblings(resolve(options.cwd ?? process.cwd(), dir)).catch(() => undefined);
}

/** Writes an output to `dir` atomically (see the module comment); throws OutputDirError. */
export async function writeOutputDir(
  dir: string,
  content: OutputContent,
  options: OutputOptions = {},
): Promise<void> {
  const step = options.onStep ?? (() => {});
  checkContent(content);
  const target = await inspectTarget(dir, options);
  const abs = resolve(options.cwd ?? process.cwd(), dir);
  try {
    await removeStaleSiblings(abs);
    if (target.kind === "output") {
      await replaceInPlace(abs, content, step);
    } else {
      await makeDirs(dirname(abs));
      await createStaged(abs, content, step);
    }
  } catch (e) {
    if (e instanceof OutputDirError) throw e;
    throw fsError(dir, e);
  }
}

/**
 * An output the next run would not recognise could never be replaced: the manifest must be one of
 * {@link OUTPUT_KINDS}' and each data file one its kind owns. A programming error, so not an OutputDirError.
 */
function checkContent(content: OutputContent): void {
  const kind = OUTPUT_KINDS.find((k) => k.manifest === content.manifest);
  if (!kind) {
    throw new Error(
      `writeOutputDir: ${JSON.stringify(content.manifest)} is not the manifest of any output kind (${OUTPUT_KINDS.map((k) => k.manifest).join(", ")})`,
    );
  }
  const names = content.data.map((f) => f.name);
  const stray = names.filter((n, i) => !kind.data.includes(n) || names.indexOf(n) !== i);
  if (stray.length > 0) {
    throw new Error(
      `writeOutputDir: a ${kind.name} output holds ${kind.data.length > 0 ? kind.data.join(", ") : "no data files"} (each once) beside ${kind.manifest}, not ${stray.join(", ")}`,
    );
  }
}

async function createStaged(
  abs: string,
  content: OutputContent,
  step: (s: OutputStep) => void,
): Promise<void> {
  step("stage");
  const staging = join(dirname(abs), `.${basename(abs)}.fusegraph-tmp-${tag()}`);
  await mkdir(staging);
  try {
    step("write-data");
    for (const f of content.data) await writeDurably(join(staging, f.name), f.bytes);
    const names = new Map(content.data.map((f) => [f.name, f.name]));
    await writeDurably(join(staging, content.manifest), content.render(names));
    step("commit-staged");
    await rename(staging, abs);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

async function replaceInPlace(
  abs: string,
  content: OutputContent,
  step: (s: OutputStep) => void,
): Promise<void> {
  const t = tag();
  const transitional = new Map(content.data.map((f) => [f.name, transitionalName(f.name, t)]));
  const manifestTemp = (n: number) => join(abs, `.fusegraph-tmp-${t}-${n}-${content.manifest}`);
  step("write-transitional");
  for (const f of content.data) await writeDurably(join(abs, transitional.get(f.name)!), f.bytes);
  await writeDurably(manifestTemp(1), content.render(transitional));
  step("commit-transitional");
  // From here the manifest names the transitional files, so the final names are free to be replaced.
  await rename(manifestTemp(1), join(abs, content.manifest));
  step("remove-other-manifests");
  // Whatever kind was here, the new manifest alone marks the directory now.
  for (const kind of OUTPUT_KINDS) {
    if (kind.manifest !== content.manifest) await rm(join(abs, kind.manifest), { force: true });
  }
  step("swap-data");
  for (const f of content.data) {
    const temp = join(abs, `.fusegraph-tmp-${t}-link-${f.name}`);
    const from = join(abs, transitional.get(f.name)!);
    // A hard link makes the final name point at the same bytes without copying them; not every file
    // system has links, so fall back to writing the bytes again.
    await link(from, temp).catch(() => writeDurably(temp, f.bytes));
    await rename(temp, join(abs, f.name));
  }
  // Without data files the committed manifest already names the final files: no need to write it twice.
  if (content.data.length > 0) {
    await writeDurably(manifestTemp(2), content.render(new Map(content.data.map((f) => [f.name, f.name]))));
  }
  step("commit-final");
  if (content.data.length > 0) await rename(manifestTemp(2), join(abs, content.manifest));
  step("cleanup");
  const keep = new Set([content.manifest, ...content.data.map((f) => f.name)]);
  // The data files of the kind replaced (or of the same kind, no longer written) go last.
  for (const name of OUTPUT_FILES) if (!keep.has(name)) await rm(join(abs, name), { force: true });
  await removeStaleInside(abs, keep);
}

/**
 * Writes one output file atomically: the bytes go to a temporary sibling that is renamed over `path`, so
 * the name holds the old or the new complete file. A directory is never replaced. Throws OutputDirError.
 */
export async function writeOutputFile(
  path: string,
  bytes: Uint8Array | string,
  options: Pick<OutputCheckOptions, "cwd"> = {},
): Promise<void> {
  const abs = resolve(options.cwd ?? process.cwd(), path);
  try {
    const st = await lstatOrNull(abs);
    if (st?.isDirectory()) {
      throw new OutputDirError("not_a_file", path, `${path} is a directory; give a file path to write to`);
    }
    await makeDirs(dirname(abs));
    await removeStaleSiblings(abs);
    const temp = join(dirname(abs), `.${basename(abs)}.fusegraph-tmp-${tag()}`);
    try {
      await writeDurably(temp, bytes);
      await rename(temp, abs);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  } catch (e) {
    if (e instanceof OutputDirError) throw e;
    throw fsError(path, e);
  }
}
