import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { ExitCode } from "../src/errors.js";
import type { CliIO } from "../src/output.js";
import { runCli } from "../src/program.js";
import { BUILD_STAMP } from "./global-setup.js";

export interface Captured {
  code: ExitCode;
  stdout: string;
  stderr: string;
}

export interface FakeIOOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  tty?: boolean;
  cwd?: string;
}

/** A CliIO that collects output in strings, as a unit test needs. */
export function fakeIO(options: FakeIOOptions = {}): {
  io: CliIO;
  stdout: () => string;
  stderr: () => string;
} {
  let out = "";
  let err = "";
  const io: CliIO = {
    stdout: {
      write: (s) => {
        out += s;
      },
      isTTY: options.tty ?? false,
    },
    stderr: {
      write: (s) => {
        err += s;
      },
      isTTY: options.tty ?? false,
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    readStdin: async () => {
      if (options.stdin === undefined) throw new Error("no stdin in this test");
      return options.stdin;
    },
  };
  return { io, stdout: () => out, stderr: () => err };
}

/** Runs the program in-process with captured output. */
export async function run(argv: readonly string[], options: FakeIOOptions = {}): Promise<Captured> {
  const f = fakeIO(options);
  const code = await runCli(argv, f.io);
  return { code, stdout: f.stdout(), stderr: f.stderr() };
}

/** The repository root, and the built CLI that the spawning tests run as a user would. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CLI_BIN = resolve(REPO_ROOT, "packages/cli/dist/main.js");

/** What a spawned process printed, and its exit status (null when it was killed). */
export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program in `cwd` with colour and debug traces off, as a user's shell would. */
export function spawnPlain(command: string, args: readonly string[], cwd: string, input?: string): Spawned {
  const r = spawnSync(command, args, {
    cwd,
    input,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FUSEGRAPH_DEBUG: "" },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs a program without blocking the event loop (so independent runs can share the cores) and collects
 * its output; `options` as spawn's (cwd, env, timeout).
 */
export function spawnCollected(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<Spawned> {
  return new Promise((done) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/**
 * The spawning tests run dist: the project's globalSetup (test/global-setup.ts) has built it from the
 * current sources once for this run; this only refuses to go on if that did not happen.
 */
export function ensureBuilt(): void {
  const failed = inject("cliBuildError");
  if (failed) throw new Error(failed);
  if (!existsSync(CLI_BIN) || !existsSync(BUILD_STAMP))
    throw new Error(
      `no stamped build of ${CLI_BIN}: run the CLI tests through vitest, whose globalSetup builds it`,
    );
}

/** A stack frame line as Node prints it; never allowed in user-facing stderr. */
export const STACK_FRAME = /^\s+at\s/m;

/** Two 256-channel maps merged, then a 3x3 conv with 256 filters: the classic add-vs-concat comparison. */
export function mergeThenConvSpec(merge: "add" | "concat"): string {
  return [
    "fusegraph: 1",
    `name: ${merge}-then-conv`,
    "inputs:",
    "  a: [14, 14, 256]",
    "  b: [14, 14, 256]",
    "nodes:",
    `  m: { merge: ${merge}, inputs: [a, b] }`,
    "  conv: { op: conv2d, input: m, filters: 256, kernelSize: 3, padding: same }",
    "outputs: [conv]",
    "",
  ].join("\n");
}

/** A spec whose add merges a 16- and a 32-channel map: invalid, with the add on line 8. */
export const MISMATCHED_ADD = [
  "fusegraph: 1",
  "name: bad-add",
  "inputs:",
  "  image: [8, 8, 3]",
  "nodes:",
  "  a: { op: conv2d, input: image, filters: 16, kernelSize: 1 }",
  "  b: { op: conv2d, input: image, filters: 32, kernelSize: 1 }",
  "  sum: { merge: add, inputs: [a, b] }",
  "outputs: [sum]",
  "",
].join("\n");

/** A small net with an add read by a conv (for verify, run and equivalence), and two outputs. */
export const SMALL_ADD_NET = [
  "fusegraph: 1",
  "name: small-add",
  "inputs:",
  "  x: [6, 6, 3]",
  "nodes:",
  "  a: { op: conv2d, input: x, filters: 4, kernelSize: 3, padding: same }",
  "  b: { op: conv2d, input: x, filters: 4, kernelSize: 1 }",
  "  sum: { merge: add, inputs: [a, b] }",
  "  head: { op: conv2d, input: sum, filters: 5, kernelSize: 3, padding: same }",
  "  probs: { op: activation, input: head, fn: sigmoid }",
  "  side: { op: globalAvgPool, input: a }",
  "outputs: [probs, side]",
  "",
].join("\n");

/** One input, one output: the smallest thing `run` can read an .npy for. */
export const ONE_CONV = [
  "fusegraph: 1",
  "name: one-conv",
  "inputs:",
  "  x: [2, 2, 1]",
  "nodes:",
  "  y: { op: conv2d, input: x, filters: 1, kernelSize: 1, useBias: false }",
  "outputs: [y]",
  "",
].join("\n");

/** Valid as a spec, but tfjs cannot build it: a conv with both strides and dilation above 1. */
export const STRIDED_DILATED_CONV = [
  "fusegraph: 1",
  "name: strided-dilated",
  "inputs:",
  "  x: [9, 9, 2]",
  "nodes:",
  "  c: { op: conv2d, input: x, filters: 2, kernelSize: 3, strides: 2, dilation: 2, padding: same }",
  "outputs: [c]",
  "",
].join("\n");
