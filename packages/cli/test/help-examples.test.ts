import { cpSync } from "node:fs";
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
import { ensureBuilt, fakeIO, run, type Spawned } from "./helpers.js";
import { describeRun, removeScratch, scratchDir, shellLineAsync } from "./scratch.js";

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
  startExamples();
}, 320_000);

afterAll(() => {
  for (const d of [fixtures, ...dirs]) removeScratch(d);
});

/** One example's runs: its fusegraph stage alone, and the whole line when it pipes into another program. */
interface ExampleRuns {
  own: Spawned;
  whole?: Spawned;
}

async function runExample(c: DocCommand, dir: string): Promise<ExampleRuns> {
  const { head, after } = fusegraphStage(c.text);
  const own = await shellLineAsync(head, dir, { installed: true, timeout: 300_000 });
  return after.length > 0
    ? { own, whole: await shellLineAsync(c.text, dir, { installed: true, timeout: 300_000 }) }
    : { own };
}

function checkExample(c: DocCommand, { own, whole }: ExampleRuns): void {
  const verdict = checkRun(c, own);
  expect(verdict.ok, verdict.why).toBe(true);
  const { after } = fusegraphStage(c.text);
  if (after.includes("jq")) expect(() => JSON.parse(own.stdout), verdict.why).not.toThrow();
  if (whole) {
    expect(whole.code, describeRun(c.text, whole)).toBe(0);
    expect(whole.stdout.length, describeRun(c.text, whole)).toBeGreaterThan(0);
  }
}

/**
 * Each help's runnable examples, in order (they share one directory, and a later one may use an earlier
 * one's output). A line an earlier help already shows (e.g. the top-level help repeats a command's first
 * example) ran there, in an identical fresh copy of the fixtures, so it is not run again.
 */
const ran = new Set<string>();
const chains = helps.map((h) => ({
  name: h.name || "top",
  examples: promptCommands(h.text).map((c) => {
    const key = `${c.exit} ${c.text}`;
    const repeat = !c.long && ran.has(key);
    if (!c.long) ran.add(key);
    return { c, repeat, result: undefined as Promise<ExampleRuns> | undefined };
  }),
}));

/** Runs every help's examples, two help directories at a time (2 cores); each test awaits its own. */
function startExamples(): void {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chains.length) {
      const chain = chains[next++]!;
      try {
        const dir = scratchDir(`help-${chain.name}`);
        dirs.push(dir);
        cpSync(fixtures, dir, { recursive: true });
        for (const e of chain.examples) {
          if (e.c.long || e.repeat) continue;
          const result = runExample(e.c, dir);
          e.result = result;
          await result;
        }
      } catch (error) {
        // Its tests fail with this error rather than wait for a run that never starts.
        for (const e of chain.examples) {
          if (e.result) continue;
          e.result = Promise.reject(error);
          e.result.catch(() => {});
        }
      }
    }
  };
  // A chain's later examples get their promise only when it starts: tests wait for it to appear.
  void Promise.all([worker(), worker()]);
}

async function resultOf(e: (typeof chains)[number]["examples"][number]): Promise<ExampleRuns> {
  while (!e.result) await new Promise((r) => setTimeout(r, 50));
  return e.result;
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
  // Async, like the examples' runs, so that these do not hold up the runs going on around them.
  it("the example compare --help used to show fails, and the check notices", async () => {
    const dir = scratchDir("help-control");
    dirs.push(dir);
    const old = parseCommand("fusegraph compare resnet50 --merge concat --only layer1.0.add,layer1.1.add");
    const r = await shellLineAsync(old.text, dir, { installed: true, timeout: 120_000 });
    expect(r.stderr).toMatch(/unknown_ref|no merge|layer1\.0\.add/);
    expect(checkRun(old, r).ok).toBe(false);
  });

  it("a pipe into jq hides a failing fusegraph, so the fusegraph stage is run alone", async () => {
    const dir = scratchDir("help-control");
    dirs.push(dir);
    const line = "fusegraph inspect no-such-example --json | jq .ok";
    const whole = await shellLineAsync(line, dir, { installed: true, timeout: 120_000 });
    expect(whole.code).toBe(0); // jq prints `false` and exits 0
    const own = await shellLineAsync(fusegraphStage(line).head, dir, { installed: true, timeout: 120_000 });
    expect(checkRun(parseCommand(line), own).ok).toBe(false);
    expect(own.code).toBe(2);
  });
});

for (const chain of chains) {
  const title = `fusegraph ${chain.name === "top" ? "" : `${chain.name} `}--help`;
  describe(`${title} examples, as written`, () => {
    for (const e of chain.examples) {
      const { c } = e;
      if (c.long) {
        it.skip(`$ ${c.text}  (skipped: marked # long; npm start runs it)`, () => {});
        continue;
      }
      if (e.repeat) continue;
      it(`$ ${c.text}${c.exit !== 0 ? `  (exits ${c.exit})` : ""}`, async () => {
        checkExample(c, await resultOf(e));
      }, 600_000);
    }
  });
}
