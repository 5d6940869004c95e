import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCount, formatScaled, makeStyle, Progress, renderTable, visibleLength } from "../src/output.js";
import { fakeIO, run } from "./helpers.js";

describe("makeStyle", () => {
  const style = (tty: boolean, env: Record<string, string>) =>
    makeStyle({ stdout: { write: () => {}, isTTY: tty }, env });

  it("colours only an interactive terminal without NO_COLOR or CI", () => {
    expect(style(true, {}).color).toBe(true);
    expect(style(true, {}).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(style(false, {}).color).toBe(false);
    expect(style(true, { NO_COLOR: "1" }).color).toBe(false);
    expect(style(true, { CI: "true" }).color).toBe(false);
    expect(style(true, { CI: "true" }).interactive).toBe(false);
    expect(style(false, { FORCE_COLOR: "1" }).color).toBe(true);
    expect(style(true, { NO_COLOR: "1", FORCE_COLOR: "1" }).color).toBe(false);
    expect(style(true, { NO_COLOR: "" }).color).toBe(true);
  });

  it("the CLI writes escapes to a terminal, and none with NO_COLOR or --no-color", async () => {
    const args = ["inspect", "tiny-fpn"];
    expect((await run(args, { tty: true })).stdout).toContain("\u001b[");
    expect((await run(args, { tty: true, env: { NO_COLOR: "1" } })).stdout).not.toContain("\u001b[");
    expect((await run([...args, "--no-color"], { tty: true })).stdout).not.toContain("\u001b[");
  });
});

describe("formatCount / formatScaled", () => {
  it("groups thousands with commas", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(590_080)).toBe("590,080");
    expect(formatCount(25_557_032)).toBe("25,557,032");
  });

  it("round-trips through removing the commas", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(Number(formatCount(n).replaceAll(",", ""))).toBe(n);
      }),
    );
  });

  it("scales to K, M, G, T", () => {
    expect(formatScaled(999)).toBe("999");
    expect(formatScaled(4_089_184_256)).toBe("4.09 G");
    expect(formatScaled(115_605_504)).toBe("115.61 M");
    expect(formatScaled(1500)).toBe("1.50 K");
    expect(formatScaled(2e12)).toBe("2.00 T");
  });
});

describe("renderTable", () => {
  it("pads columns to the widest cell, right-aligning numbers", () => {
    const t = renderTable(
      [{ header: "Node" }, { header: "Params", align: "right" }],
      [
        ["conv", "590,080"],
        ["m", "0"],
      ],
    );
    expect(t).toBe(["Node   Params", "-------------", "conv  590,080", "m           0", ""].join("\n"));
  });

  it("measures widths without colour escapes", () => {
    const s = makeStyle({ stdout: { write: () => {}, isTTY: true }, env: {} });
    const t = renderTable([{ header: "A" }, { header: "B" }], [[s.red("xx"), "y"]]);
    const [head, , row] = t.split("\n");
    expect(head).toBe("A   B");
    expect(row).toBe(`${s.red("xx")}  y`);
    expect(visibleLength(row!)).toBe(5);
  });
});

describe("Progress", () => {
  it("logs finished steps as lines in plain mode and writes nothing transient", () => {
    const f = fakeIO();
    const p = new Progress(f.io, makeStyle(f.io));
    p.update("working…");
    p.log("[1/1] a: check ok");
    p.end();
    expect(f.stdout()).toBe("[1/1] a: check ok\n");
    expect(f.stderr()).toBe("");
  });

  it("rewrites one status line on stderr in a terminal and clears it at the end", () => {
    const f = fakeIO({ tty: true });
    const p = new Progress(f.io, makeStyle(f.io));
    p.update("step 1");
    p.log("done 1");
    p.end();
    expect(f.stdout()).toBe("");
    expect(f.stderr()).toBe("\r\u001b[Kstep 1\r\u001b[Kdone 1\r\u001b[K");
  });
});
