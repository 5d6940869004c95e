import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import fc from "fast-check";
import type { Case } from "./cases.js";
import { REPO_ROOT } from "./seeds.js";

/** Settings every property reads from the environment, with `npm test`'s defaults. */
export interface FuzzEnv {
  seed: number;
  /** fast-check's replay path, from a failure report. */
  path: string | undefined;
  /** Hang guard per document in ms. */
  perDocMs: number;
  /** Where a failing input is written. */
  failuresDir: string;
}

function numberFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`);
  return n;
}

// NOTE: `npm test` fuzzes a fixed seed so a red run is reproducible; CI passes a new one each run.
export const DEFAULT_SEED = 20_261_201;

export function fuzzEnv(): FuzzEnv {
  const path = process.env.FUSEGRAPH_FUZZ_PATH;
  return {
    seed: numberFrom("FUSEGRAPH_FUZZ_SEED", DEFAULT_SEED),
    path: path === undefined || path === "" ? undefined : path,
    perDocMs: numberFrom("FUSEGRAPH_FUZZ_MS", 5_000),
    failuresDir: process.env.FUSEGRAPH_FUZZ_FAILURES || join(REPO_ROOT, "tools/fuzz/failures"),
  };
}

/** Runs per property: `name`'s variable, or the default. */
export const runsFrom = (name: string, fallback: number): number => numberFrom(name, fallback);

/** The document as a person reads it: its text, or an inspection of the object (getters not called). */
export function printable(c: Case): string {
  if (c.text !== undefined) return c.text;
  return inspect(c.input, { depth: 4, maxArrayLength: 20, maxStringLength: 200, getters: false });
}

/**
 * Writes a property's figures as JSON to `$FUSEGRAPH_FUZZ_SUMMARY/<name>-<seed>.json` when that
 * directory is given, so `ci.mjs` can add up its shards.
 */
export function writeSummary(name: string, env: FuzzEnv, summary: object): void {
  const dir = process.env.FUSEGRAPH_FUZZ_SUMMARY;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}-${env.seed}.json`), JSON.stringify({ name, seed: env.seed, ...summary }));
}

/** The `limit` slowest documents seen, for the CI log. */
export class Slowest {
  private readonly top: { ms: number; label: string; bytes: number }[] = [];
  constructor(private readonly limit = 5) {}

  add(ms: number, c: Case): void {
    if (this.top.length === this.limit && ms <= this.top[this.top.length - 1]!.ms) return;
    this.top.push({ ms, label: c.label, bytes: c.text?.length ?? 0 });
    this.top.sort((a, b) => b.ms - a.ms);
    this.top.length = Math.min(this.top.length, this.limit);
  }

  entries(): readonly { ms: number; label: string; bytes: number }[] {
    return this.top;
  }

  lines(): string[] {
    return this.top.map((t) => `  ${t.ms.toFixed(0).padStart(6)} ms  ${t.label} (${t.bytes} chars)`);
  }
}

/**
 * Runs a fast-check property and, on failure, throws an error that carries the seed, the replay path
 * and the shrunk input as readable text, and writes that input to `failuresDir` (the file to move
 * into `corpus/` once the bug is fixed).
 */
export async function checkProperty(
  name: string,
  property: fc.IAsyncPropertyWithHooks<[Case]> | fc.IPropertyWithHooks<[Case]>,
  runs: number,
  env: FuzzEnv,
): Promise<void> {
  const params: fc.Parameters<[Case]> = {
    numRuns: runs,
    seed: env.seed,
    ...(env.path ? { path: env.path } : {}),
    endOnFailure: false,
  };
  const details = await fc.check(property as fc.IAsyncProperty<[Case]>, params);
  if (!details.failed) return;
  const c = details.counterexample?.[0];
  const reason =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const replay = `FUSEGRAPH_FUZZ_SEED=${details.seed} FUSEGRAPH_FUZZ_PATH=${details.counterexamplePath} npx vitest run --project fuzz src/${name}.test.ts`;
  let saved = "";
  if (c) {
    mkdirSync(env.failuresDir, { recursive: true });
    const ext = c.text === undefined ? "txt" : c.format === "json" ? "json" : "yaml";
    const file = join(env.failuresDir, `${name}-${details.seed}.${ext}`);
    writeFileSync(file, printable(c));
    saved = `\ninput written to ${file}`;
  }
  throw new Error(
    [
      `fuzz ${name} failed after ${details.numRuns} runs (${details.numShrinks} shrinks)`,
      `replay: ${replay}`,
      `reason: ${reason}`,
      c ? `input: ${c.label}\n----- document -----\n${printable(c)}\n--------------------${saved}` : "",
    ].join("\n"),
  );
}
