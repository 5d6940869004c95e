import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reflowMarkdown } from "../src/docs/markdown.js";
import { MERGE_REPORT_COMMAND, MERGE_REPORT_PATH, mergeReport } from "../src/docs/merge-report.js";
import { renderGraph } from "../src/render/index.js";
import { validateSource } from "../src/spec-analysis.js";
import { readSpecInput } from "../src/spec-input.js";
import { REPO_ROOT, run, STACK_FRAME } from "./helpers.js";

let report = "";
let tmp = "";

beforeAll(async () => {
  report = await mergeReport();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-docs-"));
}, 60_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The cells (trimmed) of the first markdown table row whose first cell is `first`. */
function row(markdown: string, first: string): string[] {
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) continue;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells[0] === first) return cells;
  }
  return [];
}

describe("docs/add-vs-concat.md", () => {
  it("is what the generator produces", () => {
    const committed = readFileSync(resolve(REPO_ROOT, MERGE_REPORT_PATH), "utf8");
    // NOTE: one assertion on the whole page would print a long diff; say what to run first.
    if (committed !== report) {
      expect.fail(
        `${MERGE_REPORT_PATH} is out of date with the generator (packages/cli/src/docs/merge-report.ts).\n` +
          `Regenerate it from the repository root with:\n  ${MERGE_REPORT_COMMAND}`,
      );
    }
  });

  it("is deterministic", async () => {
    expect(await mergeReport()).toBe(report);
  });

  it("has the textbook add/concat figures: a 3x3 conv with 256 filters after two 256-channel maps", () => {
    // 3*3*256*256 + 256 and 3*3*512*256 + 256; MACs 14*14*256*9*256 and twice that
    expect(row(report, "add")).toEqual(["add", "`[14,14,256]`", "590,080", "115,605,504"]);
    expect(row(report, "concat")).toEqual(["concat", "`[14,14,512]`", "1,179,904", "231,211,008"]);
  });

  it("has U-Net's deepest skip: its first conv reads 1024 channels as concat, 512 as add", () => {
    const up4 = row(report, "`up4/merge`");
    // 3*3*1024*512 + 512, 3*3*512*512 + 512; MACs at 54x54 outputs (a valid 3x3 conv of 56x56)
    expect(up4.slice(3)).toEqual([
      "4,719,104",
      "2,359,808",
      (54 * 54 * 512 * 9 * 1024).toLocaleString("en-US"),
      (54 * 54 * 512 * 9 * 512).toLocaleString("en-US"),
    ]);
    // Each skip feeds its own conv, so the convs' savings add up to the whole network's change.
    const num = (c: string | undefined): number => Number((c ?? "").replace(/[,+]/g, ""));
    const saved = ["up4", "up3", "up2", "up1"]
      .map((l) => row(report, `\`${l}/merge\``))
      .reduce((sum, r) => sum + num(r[3]) - num(r[4]), 0);
    const [, before, after] = row(report, "params").map(num);
    expect(saved).toBe(3_133_440);
    expect((before ?? 0) - (after ?? 0)).toBe(saved);
  });

  it("prices FPN's lateral 1x1 conv and HED's five weights plus bias", () => {
    // 1x1 conv from 1024 to 256 channels with bias, at 14x14
    expect(row(report, "`fpn/merge4`").slice(4, 6)).toEqual([
      (1024 * 256 + 256).toLocaleString("en-US"),
      (14 * 14 * 1024 * 256).toLocaleString("en-US"),
    ]);
    expect(row(report, "**weightedAdd** (as built)")).toEqual([
      "**weightedAdd** (as built)",
      "6",
      "0",
      "`[320,480,1]`",
    ]);
    // the paper's 1x1 conv over the concatenated sides: 5 weights + 1 bias, 320*480*5 MACs
    expect(report).toContain(`6 params and ${(320 * 480 * 5).toLocaleString("en-US")} MACs`);
  });

  it("shows real command output, and tells how to regenerate itself", () => {
    expect(report).toContain(
      "$ fusegraph compare unet --merge add\nexample:unet: every merge switched to add",
    );
    expect(report).toMatch(/^add vs concat on cpu +\S+ +\S+ {2}ok$/m);
    expect(report).toContain(MERGE_REPORT_COMMAND);
    expect(report).not.toMatch(STACK_FRAME);
  });
});

describe("reflowMarkdown", () => {
  it("wraps prose and leaves fences, tables, headings and comments alone", () => {
    const md = [
      "# A heading that is longer than twenty",
      "one two three",
      "four five six seven",
      "",
      "| a | b c d e f g h i j |",
      "```text",
      "a fenced line that is long",
      "",
      "```",
      "<!-- a comment that is long",
      "     and continues -->",
    ].join("\n");
    expect(reflowMarkdown(md, 20)).toBe(
      [
        "# A heading that is longer than twenty",
        "one two three four",
        "five six seven",
        "",
        "| a | b c d e f g h i j |",
        "```text",
        "a fenced line that is long",
        "",
        "```",
        "<!-- a comment that is long",
        "     and continues -->",
      ].join("\n"),
    );
  });

  it("never starts a line with a list or quote marker", () => {
    expect(reflowMarkdown("aaaa bbbb + cccc - dddd 1. eeee > ffff", 9)).toBe(
      "aaaa bbbb +\ncccc -\ndddd 1.\neeee >\nffff",
    );
  });

  it("keeps every word in order and no line over the width unless it is one long word", () => {
    const word = fc.stringMatching(/^[a-z]{1,15}$/);
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 5, max: 30 }),
        (words, w) => {
          const lines = reflowMarkdown(words.join(" "), w).split("\n");
          expect(lines.join(" ").split(" ")).toEqual(words);
          for (const l of lines) expect(l.length <= w || !l.includes(" ")).toBe(true);
        },
      ),
    );
  });
});

describe("fusegraph docs", () => {
  it("docs merges prints the page", async () => {
    const r = await run(["docs", "merges"], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(report);
    expect(r.stderr).toBe("");
  });

  it("docs merges --out writes the page, relative to the working directory", async () => {
    const r = await run(["docs", "merges", "--out", "sub/page.md"], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote ${join("sub", "page.md")}\n`);
    expect(readFileSync(join(tmp, "sub", "page.md"), "utf8")).toBe(report);
  });

  it("an unknown topic is a usage error naming the topics", async () => {
    const r = await run(["docs", "merge"], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fusegraph: error: .*expected one of: merges/);
    expect(r.stdout).toBe("");
  });
});

describe("docs/images/tiny-fpn-two-ways.svg", () => {
  it("is the renderer's drawing of sample:tiny-fpn-two-ways", async () => {
    const source = await readSpecInput("sample:tiny-fpn-two-ways", {
      cwd: REPO_ROOT,
      readStdin: async () => "",
    });
    const checked = validateSource(source);
    if (!checked.ok) throw new Error("sample:tiny-fpn-two-ways is invalid");
    const svg = await renderGraph(checked.graph, { format: "svg", expand: false });
    const committed = readFileSync(resolve(REPO_ROOT, "docs/images/tiny-fpn-two-ways.svg"), "utf8");
    const expected = svg.endsWith("\n") ? svg : `${svg}\n`;
    if (committed !== expected) {
      expect.fail(
        "docs/images/tiny-fpn-two-ways.svg differs from the renderer's output. Regenerate it from the repository root with:\n" +
          "  npm run build && node packages/cli/dist/main.js graph sample:tiny-fpn-two-ways --out docs/images/tiny-fpn-two-ways.svg",
      );
    }
    for (const id of checked.graph.nodes.map((n) => n.id)) expect(committed).toContain(`>${id}<`);
  });
});
