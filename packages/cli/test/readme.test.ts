import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "../src/program.js";
import { CLI_BIN, ensureBuilt, fakeIO, REPO_ROOT, type Spawned, STACK_FRAME, spawnPlain } from "./helpers.js";

// The README's commands, run in order as a user would, against the built CLI, in a scratch directory
// that holds the files the README asks the user to save (`<!-- file: name -->` before a fenced block).
const readme = readFileSync(resolve(REPO_ROOT, "README.md"), "utf8");
let tmp = "";

interface ReadmeCommand {
  /** The command as the README shows it, without its trailing comment. */
  text: string;
  /** The exit code the README documents (`# exits N`), 0 otherwise. */
  exit: number;
  /** Marked `# long`: covered by `npm start` in CI, skipped here. */
  long: boolean;
}

/** The body of a `## heading` section, up to the next `## ` heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) return "";
  const rest = markdown.slice(start + heading.length + 5);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Fenced blocks of one language, in order. */
function fencedBlocks(markdown: string, lang: string): string[] {
  const re = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, "gm");
  return [...markdown.matchAll(re)].map((m) => m[1] ?? "");
}

/** `fusegraph …` lines of the sh blocks, with the exit code or `long` mark of their trailing comment. */
function readmeCommands(markdown: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  for (const block of fencedBlocks(markdown, "sh")) {
    for (const raw of block.split("\n")) {
      const line = raw.trim();
      if (!/^(npx )?fusegraph\b/.test(line)) continue;
      const hash = line.search(/\s#\s/);
      const comment = hash < 0 ? "" : line.slice(hash).trim();
      const text = hash < 0 ? line : line.slice(0, hash).trim();
      const exit = /# exits (\d+)/.exec(comment);
      out.push({ text, exit: exit ? Number(exit[1]) : 0, long: /# long\b/.test(comment) });
    }
  }
  return out;
}

/** Files the README tells the user to save: `<!-- file: name -->` followed by a fenced block. */
function readmeFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(/^<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)^```$/gm)) {
    files.set(m[1] ?? "", m[2] ?? "");
  }
  return files;
}

const commands = readmeCommands(section(readme, "Commands"));
const files = readmeFiles(readme);

function shell(command: string): Spawned {
  return spawnPlain("sh", ["-c", command], tmp);
}

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-readme-"));
  for (const [name, text] of files) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), text);
  }
}, 320_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("README extraction", () => {
  it("finds commands, their marks and the files to save", () => {
    const md = [
      "## Commands",
      "```sh",
      "npx fusegraph check a.yaml",
      "fusegraph compare b --merge add   # exits 1",
      "npx fusegraph main   # long",
      "npm test",
      "```",
      "<!-- file: a.yaml -->",
      "```yaml",
      "x: 1",
      "```",
      "## Next",
      "```sh",
      "npx fusegraph list",
      "```",
    ].join("\n");
    expect(readmeCommands(section(`\n${md}`, "Commands"))).toEqual([
      { text: "npx fusegraph check a.yaml", exit: 0, long: false },
      { text: "fusegraph compare b --merge add", exit: 1, long: false },
      { text: "npx fusegraph main", exit: 0, long: true },
    ]);
    expect([...readmeFiles(md)]).toEqual([["a.yaml", "x: 1\n"]]);
  });

  it("the README shows every command the CLI has", () => {
    const names = createProgram(fakeIO().io, () => {})
      .commands.map((c) => c.name())
      .filter((n) => n !== "help");
    const shown = new Set(commands.map((c) => c.text.replace(/^(npx )?fusegraph /, "").split(" ")[0]));
    expect(names.filter((n) => !shown.has(n))).toEqual([]);
    expect(files.has("model.yaml")).toBe(true);
  });
});

describe("README commands, in order, against the built CLI", () => {
  for (const c of commands) {
    if (c.long) {
      it.skip(`$ ${c.text}  (skipped: marked # long; npm start runs it)`, () => {});
      continue;
    }
    it(`$ ${c.text}${c.exit !== 0 ? `  (exits ${c.exit})` : ""}`, () => {
      const line = c.text.replace(/^(npx )?fusegraph\b/, `"${process.execPath}" "${CLI_BIN}"`);
      const r = shell(line);
      const detail = `$ ${c.text}\nexit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      expect(r.code, detail).toBe(c.exit);
      expect(r.stdout + r.stderr, detail).not.toMatch(STACK_FRAME);
      expect(r.stderr, detail).not.toContain("internal error");
      if (c.exit !== 0) expect(r.stderr, detail).toMatch(/^fusegraph: error: /m);
    });
  }

  it("the commands wrote what the README says they write", () => {
    for (const f of [
      "fusegraph.schema.json",
      "docs/images/tiny-fpn.svg",
      "build/model/model.json",
      "build/model/weights.bin",
      "weights/model/weights.json",
      "logits.npy",
      "add-vs-concat.md",
    ]) {
      expect(existsSync(join(tmp, f)), f).toBe(true);
    }
    const schema: unknown = JSON.parse(readFileSync(join(tmp, "fusegraph.schema.json"), "utf8"));
    expect(schema).toMatchObject({ $schema: expect.stringContaining("json-schema.org") });
  });
});

describe("the README's TypeScript builder example", () => {
  it("runs and prints the params its comment shows", () => {
    const source = files.get("builder.ts");
    expect(source).toBeDefined();
    const expected = /console\.log\(.*\);\s*\/\/ (.+)$/m.exec(source ?? "")?.[1];
    expect(expected).toBeDefined();
    const dsl = pathToFileURL(resolve(REPO_ROOT, "packages/dsl/dist/index.js")).href;
    const js = ts.transpileModule((source ?? "").replace('"@fusegraph/dsl"', JSON.stringify(dsl)), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(tmp, "builder.mjs"), js);
    const r = shell(`"${process.execPath}" builder.mjs`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ").trim()).toBe(expected);
  });
});
