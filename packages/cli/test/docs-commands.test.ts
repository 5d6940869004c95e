import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesDir } from "../src/spec-input.js";
import {
  checkRun,
  type DocCommand,
  fusegraphStage,
  markdownCommands,
  parseCommand,
  writeFixtures,
} from "./doc-commands.js";
import { ensureBuilt, REPO_ROOT } from "./helpers.js";
import { describeRun, removeScratch, scratchDir, shellLine } from "./scratch.js";

// Every fusegraph command that docs/*.md shows in a code block runs as written (`fusegraph` being this
// workspace's bin on PATH, `npx fusegraph` resolving to it), in a scratch directory holding the files
// the docs and help refer to; a console transcript's shown output must be what the command prints.
// Inline code in prose (`fusegraph inspect <spec>`) names commands and is not run.

const DOCS = resolve(REPO_ROOT, "docs");
const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(join(DOCS, f), "utf8") }));

/** A console transcript: the command of each `$ ` line and the output lines shown under it. */
export function transcripts(markdown: string): { command: DocCommand; output: string }[] {
  const out: { command: DocCommand; output: string }[] = [];
  for (const m of markdown.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    const lines = (m[1] ?? "").split("\n");
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k] ?? "";
      if (!line.startsWith("$ fusegraph ")) continue;
      let end = k + 1;
      while (end < lines.length && !(lines[end] ?? "").startsWith("$ ")) end++;
      out.push({ command: parseCommand(line.slice(2)), output: lines.slice(k + 1, end).join("\n") });
    }
  }
  return out;
}

/** The output as the docs show it: labels of bundled samples are relative to the directory run from. */
function asFromRepoRoot(output: string, cwd: string): string {
  return output.replaceAll(relative(cwd, samplesDir()), relative(REPO_ROOT, samplesDir()));
}

let fixtures = "";
const dirs: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  fixtures = scratchDir("docs-fixtures");
  dirs.push(fixtures);
  await writeFixtures(fixtures, {});
}, 320_000);

afterAll(() => {
  for (const d of dirs) removeScratch(d);
});

describe("docs extraction", () => {
  it("finds transcripts with their output, and the fusegraph lines of sh blocks", () => {
    const md = [
      "Run `fusegraph check sample:tiny-fpn-two-ways`.",
      "```console",
      "$ fusegraph list",
      "a",
      "b",
      "$ fusegraph schema",
      "```",
      "```sh",
      "npx fusegraph init vision --scope @acme   # scaffolds",
      "cd vision && npm install",
      "$ fusegraph check a.yaml   # exits 1",
      "```",
    ].join("\n");
    expect(transcripts(md).map((t) => [t.command.text, t.output])).toEqual([
      ["fusegraph list", "a\nb"],
      ["fusegraph schema", ""],
    ]);
    expect(markdownCommands(md)).toEqual([
      { text: "fusegraph list", exit: 0, long: false },
      { text: "fusegraph schema", exit: 0, long: false },
      { text: "npx fusegraph init vision --scope @acme", exit: 0, long: false },
      { text: "fusegraph check a.yaml", exit: 1, long: false },
    ]);
  });

  it("the docs show commands at all (add-vs-concat.md has two transcripts)", () => {
    const page = pages.find((p) => p.name === "add-vs-concat.md");
    expect(page && transcripts(page.text).length).toBe(2);
  });
});

for (const page of pages) {
  const shown = markdownCommands(page.text);
  if (shown.length === 0) continue;
  describe(`docs/${page.name}`, () => {
    let dir = "";
    beforeAll(async () => {
      dir = scratchDir(`docs-${page.name.replace(/\W+/g, "-")}`);
      dirs.push(dir);
      const { cpSync } = await import("node:fs");
      cpSync(fixtures, dir, { recursive: true });
    });

    for (const c of shown) {
      if (c.long) continue;
      it(`$ ${c.text}`, () => {
        const r = shellLine(fusegraphStage(c.text).head, dir, { installed: true, timeout: 300_000 });
        const verdict = checkRun(c, r);
        expect(verdict.ok, verdict.why).toBe(true);
      }, 600_000);
    }

    for (const t of transcripts(page.text)) {
      it(`shows what \`${t.command.text}\` prints`, () => {
        const r = shellLine(t.command.text, dir, { installed: true, timeout: 300_000 });
        expect(r.code, describeRun(t.command.text, r)).toBe(t.command.exit);
        expect(asFromRepoRoot(r.stdout, dir).trimEnd()).toBe(t.output.trimEnd());
      }, 600_000);
    }
  });
}

describe("docs commands: negative controls", () => {
  it("a transcript with one digit changed no longer matches, and a wrong merge id fails its run", () => {
    const dir = scratchDir("docs-control");
    dirs.push(dir);
    const t = transcripts(pages.find((p) => p.name === "add-vs-concat.md")?.text ?? "")[0];
    expect(t).toBeDefined();
    const r = shellLine(t?.command.text ?? "", dir, { installed: true });
    expect(r.code).toBe(0);
    const altered = (t?.output ?? "").replace("31,030,658", "31,030,659");
    expect(altered).not.toBe(t?.output);
    expect(asFromRepoRoot(r.stdout, dir).trimEnd()).not.toBe(altered.trimEnd());
    const wrong = parseCommand("fusegraph equivalence sample:tiny-fpn-two-ways --merge p9 --runtime cpu");
    expect(checkRun(wrong, shellLine(wrong.text, dir, { installed: true })).ok).toBe(false);
  });
});
