import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "../src/program.js";
import { CLI_BIN, ensureBuilt, fakeIO, REPO_ROOT, type Spawned, STACK_FRAME } from "./helpers.js";
import { describeRun, removeScratch, scratchDir, shellLine } from "./scratch.js";

// The README's commands, run in order exactly as written (`npx fusegraph …` through `sh -c`, npx
// resolving the workspace's bin), in a scratch directory inside the repository that holds the files the
// README asks the user to save (`<!-- file: name -->` before a fenced block). npm runs offline, so a
// command that did not resolve to the local bin fails instead of downloading a package.
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
  return shellLine(command, tmp);
}

beforeAll(() => {
  ensureBuilt();
  tmp = scratchDir("readme");
  for (const [name, text] of files) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), text);
  }
}, 320_000);

afterAll(() => removeScratch(tmp));

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
      const r = shell(c.text);
      const detail = describeRun(c.text, r);
      expect(r.code, detail).toBe(c.exit);
      expect(r.stdout + r.stderr, detail).not.toMatch(STACK_FRAME);
      expect(r.stderr, detail).not.toContain("internal error");
      if (c.exit !== 0) expect(r.stderr, detail).toMatch(/^fusegraph: error: /m);
    });
  }

  it("the commands wrote what the README says they write", () => {
    for (const f of [
      "fusegraph.schema.json",
      "docs/images/tiny-fpn-two-ways.svg",
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
  it("compiles with the command the README gives, runs, and prints the params its comment shows", () => {
    const source = files.get("builder.ts");
    expect(source).toBeDefined();
    const expected = /console\.log\(.*\);\s*\/\/ (.+)$/m.exec(source ?? "")?.[1];
    expect(expected).toBeDefined();
    const compile = /`(npx esbuild builder\.ts [^`]*--outfile=builder\.mjs)`/.exec(readme)?.[1];
    expect(compile).toBeDefined();
    const built = shell(compile ?? "");
    expect(built.code, describeRun(compile ?? "", built)).toBe(0);
    // `@fusegraph/dsl` resolves from the scratch directory inside the repository, as from a user's project.
    const r = shell(`"${process.execPath}" builder.mjs`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ").trim()).toBe(expected);
  });

  it("the compiled module is a spec the CLI takes", () => {
    const r = shell("npx fusegraph check builder.mjs");
    expect(r.code, describeRun("npx fusegraph check builder.mjs", r)).toBe(0);
    // The module's own console.log runs on import; the check's line follows it.
    expect(r.stdout).toMatch(/\nok {2}builder\.mjs {2}"shared-steps": \d+ nodes, merges: weightedAdd\n$/);
  });
});

describe("npx fusegraph resolves to this workspace's CLI", () => {
  it("the README's commands are the literal `npx fusegraph …` a user types", () => {
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands) expect(c.text).toMatch(/^npx fusegraph /);
  });

  it("inside the repository it runs the built CLI, offline", () => {
    const r = shell("npx fusegraph --version");
    const version = (
      JSON.parse(readFileSync(resolve(REPO_ROOT, "packages/cli/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    expect(r.code, describeRun("npx fusegraph --version", r)).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("negative control: outside the repository the same command fails instead of succeeding or downloading", () => {
    const outside = mkdtempSync(join(tmpdir(), "fusegraph-outside-"));
    try {
      const r = shellLine("npx fusegraph list", outside);
      expect(r.code, describeRun("npx fusegraph list", r)).not.toBe(0);
      // npm's offline mode refuses the registry lookup npx falls back to.
      expect(r.stderr).toMatch(/ENOTCACHED|only-if-cached/);
      expect(r.stdout).not.toContain("resnet50");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe("the bin a fresh clone gets", () => {
  const cliDir = resolve(REPO_ROOT, "packages/cli");
  const pkg = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8")) as {
    bin?: Record<string, string>;
  };
  const binPath = resolve(cliDir, pkg.bin?.fusegraph ?? "");

  it("package.json's bin is a file committed in git, executable, outside dist/", () => {
    expect(pkg.bin?.fusegraph).toBe("./bin/fusegraph.js");
    const staged = execFileSync("git", ["ls-files", "-s", "--", relative(REPO_ROOT, binPath)], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    // `<mode> <hash> <stage>\t<path>`: committed (known to git) and executable, so npm links it at `npm ci`.
    expect(staged).toMatch(/^100755 [0-9a-f]{40} 0\tpackages\/cli\/bin\/fusegraph\.js\n$/);
    expect(relative(cliDir, binPath).startsWith("dist")).toBe(false);
    // Negative control: a path git does not know (a built file) gives nothing.
    const built = execFileSync("git", ["ls-files", "--", "packages/cli/dist/main.js"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect(built).toBe("");
  });

  it("imports ../dist/main.js, the built CLI, and node_modules/.bin/fusegraph links to it", () => {
    const source = readFileSync(binPath, "utf8");
    expect(source.startsWith("#!/usr/bin/env node\n")).toBe(true);
    const target = /new URL\("([^"]+)", import\.meta\.url\)/.exec(source)?.[1];
    expect(target).toBe("../dist/main.js");
    expect(resolve(dirname(binPath), target ?? "")).toBe(CLI_BIN);
    expect(realpathSync(resolve(REPO_ROOT, "node_modules/.bin/fusegraph"))).toBe(realpathSync(binPath));
  });
});
