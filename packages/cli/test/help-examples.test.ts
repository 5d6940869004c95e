import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "../src/program.js";
import {
  checkRun,
  type DocCommand,
  fusegraphStage,
  parseCommand,
  promptCommands,
  writeFixtures,
} from "./doc-commands.js";
import { ensureBuilt, fakeIO, run } from "./helpers.js";
import { describeRun, removeScratch, scratchDir, shellLine } from "./scratch.js";

// Every `$ fusegraph …` example of every command's --help (and of the top-level help) runs as written,
// with `fusegraph` being this workspace's bin on PATH, in a scratch directory holding the files the
// examples refer to: model.yaml (the README's), model.json, image.npy, x.json and weights/model.

const names = createProgram(fakeIO().io, () => {})
  .commands.map((c) => c.name())
  .filter((n) => n !== "help");

/** Each help text, as `fusegraph [command] --help` prints it. */
const helps = await Promise.all(
  [undefined, ...names].map(async (name) => {
    const r = await run(name === undefined ? ["--help"] : [name, "--help"]);
    return { name: name ?? "", text: r.stdout, code: r.code };
  }),
);

let fixtures = "";
const dirs: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  fixtures = scratchDir("help-fixtures");
  await writeFixtures(fixtures, {});
}, 320_000);

afterAll(() => {
  for (const d of [fixtures, ...dirs]) removeScratch(d);
});

/** Runs one example as written, and its fusegraph stage alone when it pipes into another program. */
function runExample(c: DocCommand, dir: string): void {
  const { head, after } = fusegraphStage(c.text);
  const own = shellLine(head, dir, { installed: true, timeout: 300_000 });
  const verdict = checkRun(c, own);
  expect(verdict.ok, verdict.why).toBe(true);
  if (after.includes("jq")) expect(() => JSON.parse(own.stdout), verdict.why).not.toThrow();
  if (after.length > 0) {
    const whole = shellLine(c.text, dir, { installed: true, timeout: 300_000 });
    expect(whole.code, describeRun(c.text, whole)).toBe(0);
    expect(whole.stdout.length, describeRun(c.text, whole)).toBeGreaterThan(0);
  }
}

describe("help examples: extraction", () => {
  it("every command's help shows at least one example of itself", () => {
    for (const h of helps) {
      expect(h.code).toBe(0);
      const shown = promptCommands(h.text);
      expect(shown.length, `fusegraph ${h.name} --help`).toBeGreaterThan(0);
      if (h.name !== "") {
        expect(
          shown.some((c) => c.text.includes(`fusegraph ${h.name}`)),
          `fusegraph ${h.name} --help`,
        ).toBe(true);
      }
    }
  });

  it("reads prompts, comments, exit marks and pipelines", () => {
    const text = [
      "Examples:",
      "  $ fusegraph check model.yaml",
      "  $ cat model.json | fusegraph check - --json | jq .ok   # reads stdin",
      "  $ npm start                  # builds, then runs this",
      "  $ fusegraph compare resnet50 --merge concat --only layer1.0/add   # exits 1",
      "  $ fusegraph main   # long",
    ].join("\n");
    expect(promptCommands(text)).toEqual([
      { text: "fusegraph check model.yaml", exit: 0, long: false },
      { text: "cat model.json | fusegraph check - --json | jq .ok", exit: 0, long: false },
      { text: "fusegraph compare resnet50 --merge concat --only layer1.0/add", exit: 1, long: false },
      { text: "fusegraph main", exit: 0, long: true },
    ]);
    expect(fusegraphStage("cat model.json | fusegraph check - --json | jq .ok")).toEqual({
      head: "cat model.json | fusegraph check - --json",
      after: ["jq"],
    });
  });
});

describe("help examples: negative controls", () => {
  it("the example compare --help used to show fails, and the check notices", () => {
    const dir = scratchDir("help-control");
    dirs.push(dir);
    const old = parseCommand("fusegraph compare resnet50 --merge concat --only layer1.0.add,layer1.1.add");
    const r = shellLine(old.text, dir, { installed: true });
    expect(r.stderr).toMatch(/unknown_ref|no merge|layer1\.0\.add/);
    expect(checkRun(old, r).ok).toBe(false);
  });

  it("a pipe into jq hides a failing fusegraph, so the fusegraph stage is run alone", () => {
    const dir = scratchDir("help-control");
    dirs.push(dir);
    const line = "fusegraph inspect no-such-example --json | jq .ok";
    const whole = shellLine(line, dir, { installed: true });
    expect(whole.code).toBe(0); // jq prints `false` and exits 0
    const own = shellLine(fusegraphStage(line).head, dir, { installed: true });
    expect(checkRun(parseCommand(line), own).ok).toBe(false);
    expect(own.code).toBe(2);
  });
});

for (const h of helps) {
  const title = `fusegraph ${h.name ? `${h.name} ` : ""}--help`;
  describe(`${title} examples, as written`, () => {
    let dir = "";
    beforeAll(() => {
      dir = scratchDir(`help-${h.name || "top"}`);
      dirs.push(dir);
      cpSync(fixtures, dir, { recursive: true });
    });
    for (const c of promptCommands(h.text)) {
      if (c.long) {
        it.skip(`$ ${c.text}  (skipped: marked # long; npm start runs it)`, () => {});
        continue;
      }
      it(`$ ${c.text}${c.exit !== 0 ? `  (exits ${c.exit})` : ""}`, () => runExample(c, join(dir)), 600_000);
    }
  });
}
