import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { writeNpy } from "../src/npy.js";
import { REPO_ROOT, type Spawned, STACK_FRAME } from "./helpers.js";
import { describeRun, type ShellOptions, shellLine } from "./scratch.js";

/** A command line as documentation shows it, with what its trailing comment says about it. */
export interface DocCommand {
  /** The command as shown, without its trailing comment: what the test runs. */
  text: string;
  /** The exit code documented by a `# exits N` comment, 0 otherwise. */
  exit: number;
  /** Marked `# long`: covered by `npm start` in CI, skipped by the tests. */
  long: boolean;
}

/** Splits a shown command from its trailing ` # comment` and reads the `# exits N` / `# long` marks. */
export function parseCommand(line: string): DocCommand {
  const hash = line.search(/\s#\s/);
  const comment = hash < 0 ? "" : line.slice(hash).trim();
  const text = hash < 0 ? line.trim() : line.slice(0, hash).trim();
  const exit = /# exits (\d+)/.exec(comment);
  return { text, exit: exit ? Number(exit[1]) : 0, long: /# long\b/.test(comment) };
}

/** Fenced blocks whose info string is one of `langs`, in order. */
export function fencedBlocks(markdown: string, langs: readonly string[]): string[] {
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  return [...markdown.matchAll(re)].filter((m) => langs.includes(m[1] ?? "")).map((m) => m[2] ?? "");
}

/** Files a page tells the reader to save: `<!-- file: name -->` followed by a fenced block. */
export function savedFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(/^<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)^```$/gm)) {
    files.set(m[1] ?? "", m[2] ?? "");
  }
  return files;
}

/** `$ …` lines of a help text or a console transcript that run fusegraph (not `$ npm start`). */
export function promptCommands(text: string): DocCommand[] {
  return [...text.matchAll(/^\s*\$ (.+)$/gm)]
    .map((m) => m[1] ?? "")
    .filter((line) => /(^|[|&;]\s*)(npx )?fusegraph\b/.test(line))
    .map(parseCommand);
}

/**
 * The `fusegraph` commands a markdown page shows in code blocks: `$ fusegraph …` lines of console
 * transcripts, and lines of sh blocks that start with `fusegraph` or `npx fusegraph` (with or without a
 * `$ ` prompt). Other lines of a block (`npm install`, `cd`) are the reader's, not fusegraph's.
 */
export function markdownCommands(markdown: string): DocCommand[] {
  const transcripts = fencedBlocks(markdown, ["console"]).flatMap((b) => promptCommands(b));
  const scripts = fencedBlocks(markdown, ["sh", "shell", "bash"]).flatMap((b) =>
    b
      .split("\n")
      .map((line) => line.trim().replace(/^\$ /, ""))
      .filter((line) => /^(npx )?fusegraph\b/.test(line))
      .map(parseCommand),
  );
  return [...transcripts, ...scripts];
}

/**
 * A pipeline cut after its `fusegraph` stage (`cat a | fusegraph check - --json | jq .ok` gives
 * `cat a | fusegraph check - --json`) and the programs cut off, so a test can see fusegraph's own exit
 * status and output: a shell pipeline's status is its last stage's, and `jq` exits 0 on empty input.
 */
export function fusegraphStage(text: string): { head: string; after: string[] } {
  const stages = text.split(" | ");
  const k = stages.findIndex((s) => /^(npx )?fusegraph\b/.test(s.trim()));
  return {
    head: stages.slice(0, k + 1).join(" | "),
    after: stages.slice(k + 1).map((s) => s.trim().split(/\s+/)[0] ?? ""),
  };
}

/** The README's `model.yaml`: the spec a reader saves first, and the one help examples refer to. */
export function readmeModelYaml(): string {
  const model = savedFiles(readFileSync(resolve(REPO_ROOT, "README.md"), "utf8")).get("model.yaml");
  if (model === undefined) throw new Error("README.md has no <!-- file: model.yaml --> block");
  return model;
}

/**
 * The files help examples and docs refer to, written into `dir`: model.yaml (the README's), model.json
 * (the same spec as JSON), image.npy and x.json (one [1,32,32,3] input each, batch first), and
 * weights/model (from `fusegraph compile --backend cpu`, as the README makes them).
 */
export async function writeFixtures(dir: string, options: ShellOptions): Promise<void> {
  const { parse } = await import("yaml");
  const yaml = readmeModelYaml();
  const put = (name: string, data: string | Uint8Array): void => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  };
  put("model.yaml", yaml);
  put("model.json", `${JSON.stringify(parse(yaml), null, 2)}\n`);
  const n = 32 * 32 * 3;
  const data = Float32Array.from({ length: n }, (_, k) => Math.sin(k) * 0.5);
  put("image.npy", writeNpy([1, 32, 32, 3], data));
  const rows = [
    [...Array(32)].map((_, h) =>
      [...Array(32)].map((_, w) => [0, 1, 2].map((c) => data[(h * 32 + w) * 3 + c] ?? 0)),
    ),
  ];
  put("x.json", JSON.stringify(rows));
  const r = shellLine("fusegraph compile model.yaml --backend cpu --out weights/model --seed 7", dir, {
    ...options,
    installed: true,
  });
  if (r.code !== 0) throw new Error(`could not make the weights fixture:\n${describeRun("compile", r)}`);
}

/** What a documented command must do: its documented exit, no stack trace, no internal error. */
export function checkRun(c: DocCommand, r: Spawned): { ok: boolean; why: string } {
  const detail = describeRun(c.text, r);
  if (r.code !== c.exit) return { ok: false, why: `exit ${r.code}, documented ${c.exit}\n${detail}` };
  if (STACK_FRAME.test(r.stdout + r.stderr)) return { ok: false, why: `stack trace\n${detail}` };
  if (r.stderr.includes("internal error")) return { ok: false, why: `internal error\n${detail}` };
  return { ok: true, why: detail };
}
