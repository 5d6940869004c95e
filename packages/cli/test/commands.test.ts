import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadWeights, saveWeights } from "@fusegraph/backend-cpu";
import { loadModel, modelWeights } from "@fusegraph/backend-tfjs/node";
import { initWeights, validateSpec } from "@fusegraph/dsl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatBytes } from "../src/commands/compare.js";
import { outputPaths } from "../src/commands/run.js";
import { readNpy, writeNpy } from "../src/npy.js";
import { MISMATCHED_ADD, mergeThenConvSpec, ONE_CONV, run, SMALL_ADD_NET, STACK_FRAME } from "./helpers.js";

let dir = "";
const inDir = (argv: string[], stdin?: string) =>
  run(argv, { cwd: dir, ...(stdin !== undefined ? { stdin } : {}) });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fusegraph-commands-"));
  writeFileSync(join(dir, "small.yaml"), SMALL_ADD_NET);
  writeFileSync(join(dir, "one.yaml"), ONE_CONV);
  writeFileSync(join(dir, "bad.yaml"), MISMATCHED_ADD);
  writeFileSync(join(dir, "add.yaml"), mergeThenConvSpec("add"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function graphOf(text: string) {
  const r = validateSpec(text);
  if (!r.ok) throw new Error("invalid test spec");
  return r.graph;
}

describe("fusegraph compile", () => {
  it("never replaces a directory of the user's, even with --force (exit 2), and writes nothing", async () => {
    mkdirSync(join(dir, "mine"));
    writeFileSync(join(dir, "mine", "keep.txt"), "mine");
    for (const force of [[], ["--force"]]) {
      const r = await inDir(["compile", "small.yaml", "--out", "mine", ...force]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^fusegraph: error: --out mine is not a fusegraph output \(it holds "keep.txt"\)/,
      );
    }
    expect(readdirSync(join(dir, "mine"))).toEqual(["keep.txt"]);
  });

  it("--backend cpu writes initWeights(seed) in the fusegraph weights format; --force replaces", async () => {
    const args = ["compile", "small.yaml", "--backend", "cpu", "--out", "taken"];
    expect((await inDir([...args, "--seed", "4"])).code).toBe(0);
    const refused = await inDir([...args, "--seed", "5"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'fusegraph: error: output directory "taken" already exists; pass --force to replace it\n',
    );
    const r = await inDir([...args, "--seed", "5", "--force"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote {2}taken\/weights\.json, taken\/weights\.bin {2}\(cpu, 313 params/);
    const g = graphOf(SMALL_ADD_NET);
    const back = await loadWeights(join(dir, "taken"), g);
    const expected = initWeights(g, { seed: 5 });
    expect([...back.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, w] of expected) expect(back.get(k)?.data).toEqual(w.data);
  });

  it("--backend tfjs --weights starts the model from a weights directory", async () => {
    const r = await inDir(["compile", "small.yaml", "--out", "model", "--weights", "taken", "--json"]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { ok: boolean; files: string[]; params: number };
    expect(body).toMatchObject({
      ok: true,
      backend: "tfjs",
      files: ["model/model.json", "model/weights.bin"],
    });
    // 3*3*3*4+4 + 1*1*3*4+4 + 3*3*4*5+5 = 112 + 16 + 185
    expect(body.params).toBe(313);
    const g = graphOf(SMALL_ADD_NET);
    const model = await loadModel(join(dir, "model"));
    const got = modelWeights(model, g);
    model.dispose();
    const expected = initWeights(g, { seed: 5 });
    for (const [k, w] of expected) expect(got.get(k)?.data).toEqual(w.data);
  });

  it("--portable writes a model of tfjs built-in layers only; it is refused with --backend cpu", async () => {
    const r = await inDir([
      "compile",
      "sample:tiny-fpn-two-ways",
      "--portable",
      "--out",
      "portable",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, backend: "tfjs", target: "portable" });
    const classes = (text: string) => [...text.matchAll(/"class_name":"(\w+)"/g)].map((m) => m[1]);
    const portable = classes(readFileSync(join(dir, "portable", "model.json"), "utf8"));
    expect(portable.filter((c) => c?.startsWith("Fusegraph"))).toEqual([]);
    // Control: the default (trainable) model of the same spec does use fusegraph's custom layers.
    expect((await inDir(["compile", "sample:tiny-fpn-two-ways", "--out", "trainable"])).code).toBe(0);
    const trainable = classes(readFileSync(join(dir, "trainable", "model.json"), "utf8"));
    expect(trainable.some((c) => c?.startsWith("Fusegraph"))).toBe(true);
    const cpu = await inDir(["compile", "small.yaml", "--backend", "cpu", "--portable", "--out", "p2"]);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(/--portable applies to --backend tfjs only/);
  });

  it("a weights directory that does not fit the graph is a usage error", async () => {
    const r = await inDir(["compile", "add.yaml", "--out", "x", "--weights", "taken"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^fusegraph: error: --weights: weight "conv\/kernel" of graph "add-then-conv" is not in /,
    );
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("an invalid spec exits 1 with its issues and writes nothing", async () => {
    const r = await inDir(["compile", "bad.yaml", "--out", "never"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:8:\d+ {2}shape_mismatch/m);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });
});

describe("fusegraph run", () => {
  it("reads an .npy input, uses --weights, and writes the output as .npy (hand-computed)", async () => {
    const g = graphOf(ONE_CONV);
    const weights = initWeights(g);
    weights.set("y/kernel", { shape: [1, 1, 1, 1], data: new Float32Array([2]) });
    await saveWeights(join(dir, "w-one"), weights);
    writeFileSync(join(dir, "x.npy"), writeNpy([2, 2, 1], new Float32Array([1, 2, 3, -4])));
    const r = await inDir([
      "run",
      "one.yaml",
      "--weights",
      "w-one",
      "--input",
      "x.npy",
      "--out",
      "y.npy",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      backend: "cpu",
      outputs: [
        {
          id: "y",
          shape: [1, 2, 2, 1],
          min: -8,
          max: 6,
          mean: 1,
          nonFinite: { nan: 0, posInf: 0, negInf: 0 },
          file: "y.npy",
        },
      ],
    });
    const y = readNpy(readFileSync(join(dir, "y.npy")));
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect([...y.data]).toEqual([2, 4, 6, -8]);
  });

  it("takes JSON nested arrays, on tfjs too", async () => {
    writeFileSync(
      join(dir, "x.json"),
      JSON.stringify({
        x: [
          [[1], [2]],
          [[3], [-4]],
        ],
      }),
    );
    const r = await inDir([
      "run",
      "one.yaml",
      "--backend",
      "tfjs",
      "--weights",
      "w-one",
      "--input",
      "x.json",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^y\s+\[1,2,2,1\]\s+-8\.0000\s+6\.0000\s+1\.0000$/m);
  });

  it("--random writes one .npy per output as <base>.<id>.npy", async () => {
    const r = await inDir([
      "run",
      "small.yaml",
      "--random",
      "--batch",
      "2",
      "--seed",
      "1",
      "--out",
      "o/res.npy",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^probs\s+\[2,6,6,5\]\s+\S+\s+\S+\s+\S+\s+o\/res\.probs\.npy$/m);
    expect(readNpy(readFileSync(join(dir, "o/res.side.npy"))).shape).toEqual([2, 4]);
    expect(outputPaths("a/b.npy", ["p2/out", "p3"])).toEqual(
      new Map([
        ["p2/out", "a/b.p2_out.npy"],
        ["p3", "a/b.p3.npy"],
      ]),
    );
  });

  it.each([
    [["run", "one.yaml"], /give the inputs: --input/],
    [["run", "one.yaml", "--random", "--input", "x.npy"], /either --input <file> or --random, not both/],
    [["run", "one.yaml", "--input", "missing.npy"], /cannot read input file "missing\.npy": no such file/],
    [
      ["run", "small.yaml", "--input", "x.npy"],
      /input "x" has shape \[2,2,1\], expected \[6,6,3\] or \[N,6,6,3\]/,
    ],
    [["run", "one.yaml", "--input", "one.yaml"], /must end in \.npy or \.json/],
  ])("%j is a usage error", async (argv, message) => {
    const r = await inDir(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("rejects a ragged JSON array and a float64 .npy is converted with a note", async () => {
    writeFileSync(join(dir, "ragged.json"), JSON.stringify([[[1], [2]], [[3]]]));
    const bad = await inDir(["run", "one.yaml", "--input", "ragged.json"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/value\[1\] is an array of 1, expected an array of 2/);
    const f64 = writeNpy([2, 2, 1], new Float32Array(4));
    // Patch descr to '<f8' and append 8-byte values: 4 doubles.
    const header = Buffer.from(f64.subarray(0, f64.length - 16));
    const text = header.toString("latin1").replace("'<f4'", "'<f8'");
    writeFileSync(
      join(dir, "x64.npy"),
      Buffer.concat([Buffer.from(text, "latin1"), Buffer.from(new Float64Array([1, 2, 3, 4]).buffer)]),
    );
    const ok = await inDir(["run", "one.yaml", "--weights", "w-one", "--input", "x64.npy", "--json"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe("fusegraph: note: x64.npy: converted float64 ('<f8') to float32\n");
    expect(JSON.parse(ok.stdout).outputs[0].max).toBe(8);
  });
});

describe("fusegraph verify", () => {
  it("shows progress on stderr only in a terminal, and clears it", async () => {
    const tty = await run(["verify", "small.yaml"], { cwd: dir, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toBe(
      "\r\u001b[Ksmall.yaml: running on backend-cpu…\r\u001b[Ksmall.yaml: running on backend-tfjs…\r\u001b[K",
    );
    const ci = await run(["verify", "small.yaml"], { cwd: dir, tty: true, env: { CI: "true" } });
    expect(ci.stderr).toBe("");
    expect(ci.stdout).toMatch(/^ok {2}small\.yaml: tfjs \(wasm\) vs cpu/m);
  });

  it("exits 1 above the tolerance", async () => {
    const r = await inDir(["verify", "small.yaml", "--tolerance", "1e-12", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).ok).toBe(false);
  });
});

describe("fusegraph compare", () => {
  it("formatBytes picks B, KiB or MiB by size, sign kept", () => {
    expect(formatBytes(576)).toBe("576 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(200_704)).toBe("196.0 KiB");
    expect(formatBytes(3 * 2 ** 20)).toBe("3.00 MiB");
    expect(formatBytes(-2048)).toBe("-2.0 KiB");
  });

  it("--json gives before/after params and MACs and each merge's delta (hand-computed)", async () => {
    const r = await inDir(["compare", "add.yaml", "--merge", "concat", "--json"]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.before.params).toEqual({ trainable: 590_080, nonTrainable: 0, total: 590_080 });
    expect(body.after.params).toEqual({ trainable: 1_179_904, nonTrainable: 0, total: 1_179_904 });
    expect(body.before.macs).toBe(14 * 14 * 256 * 9 * 256);
    expect(body.after.macs).toBe(2 * body.before.macs);
    // Activations: m and conv, 14*14*256 floats each; concat doubles m's channels.
    expect(body.before.activationBytes).toBe(2 * 14 * 14 * 256 * 4);
    expect(body.merges).toHaveLength(1);
    const [m] = body.merges;
    expect(m).toEqual({
      id: "m",
      from: "add",
      to: "concat",
      paramsDelta: 589_824,
      macsDelta: 14 * 14 * 256 * 9 * 256,
      activationBytesDelta: 14 * 14 * 256 * 4,
      paramsPercent: expect.any(Number),
      macsPercent: expect.any(Number),
      activationBytesPercent: expect.any(Number),
    });
    // 589,824 of 590,080 params; the MACs double; one of the two activations doubles.
    expect(m.paramsPercent).toBeCloseTo((100 * 589_824) / 590_080, 9);
    expect(m.macsPercent).toBeCloseTo(100, 9);
    expect(m.activationBytesPercent).toBeCloseTo(50, 9);
  });

  it("--json percentages are of the graph's before-totals, not of the merge's own layers", async () => {
    const r = await inDir(["compare", "small.yaml", "--merge", "concat", "--json"]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    // params: a 3*3*3*4+4, b 3*4+4, head 3*3*4*5+5 = 313; concat adds 3*3*4*5 to head's kernel
    expect(body.before.params.total).toBe(313);
    // activations (floats): a, b, sum 6*6*4 each, head and probs 6*6*5 each, side 4 = 796
    expect(body.before.activationBytes).toBe(796 * 4);
    expect(body.merges).toMatchObject([
      { id: "sum", paramsDelta: 180, macsDelta: 6 * 6 * 9 * 4 * 5, activationBytesDelta: 6 * 6 * 4 * 4 },
    ]);
    expect(body.merges[0].paramsPercent).toBeCloseTo((100 * 180) / 313, 9);
    expect(body.merges[0].activationBytesPercent).toBeCloseTo((100 * 144) / 796, 9);
    expect(body.merges[0].macsPercent).toBeCloseTo((100 * 6 * 6 * 9 * 4 * 5) / body.before.macs, 9);
  });

  it("prints before/after with percentages and the per-merge table", async () => {
    const r = await inDir(["compare", "add.yaml", "--merge", "concat", "--only", "m"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Params \(total\)\s+590,080\s+1,179,904\s+\+589,824\s+\+100\.0%$/m);
    expect(r.stdout).toMatch(/^MACs\s+115,605,504\s+231,211,008\s+\+115,605,504\s+\+100\.0%$/m);
    expect(r.stdout).toMatch(/^Merge\s+Switch\s+Params Δ\s+%\s+MACs Δ\s+%\s+Activations Δ\s+%$/m);
    // 200,704 bytes = 196.0 KiB, half of the 401,408 bytes before
    expect(r.stdout).toMatch(
      /^m\s+add → concat\s+\+589,824\s+\+100\.0%\s+\+115\.61 M\s+\+100\.0%\s+\+196\.0 KiB\s+\+50\.0%$/m,
    );
  });

  it("per-merge percentages in the table are of the before-totals (small net)", async () => {
    const r = await inDir(["compare", "small.yaml", "--merge", "concat"]);
    expect(r.code).toBe(0);
    // 180 / 313 = 57.5%; 6*6*9*4*5 = 6,480 MACs; 576 / 3,184 bytes = 18.1%
    expect(r.stdout).toMatch(
      /^sum\s+add → concat\s+\+180\s+\+57\.5%\s+\+6\.48 K\s+\S+%\s+\+576 B\s+\+18\.1%$/m,
    );
  });

  it("an infeasible switch prints issues like check and exits 1; --json gives { ok: false, issues }", async () => {
    const spec = MISMATCHED_ADD.replace("merge: add", "merge: concat");
    const r = await inDir(["compare", "-", "--merge", "add"], spec);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^<stdin>:\S+ {2}shape_mismatch {2}cannot switch merge "sum" from concat to add/m,
    );
    expect(r.stderr).toMatch(/^\s+hint: .*modes that fit these inputs: concat/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    const j = await inDir(["compare", "-", "--merge", "add", "--json"], spec);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, issues: [{ nodeId: "sum" }] });
  });

  it("an unknown merge id is an issue naming the merges", async () => {
    const r = await inDir(["compare", "add.yaml", "--merge", "concat", "--only", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no node "nope"/);
  });
});

describe("fusegraph equivalence", () => {
  it("add then conv equals concat with the tied kernel, on cpu and tfjs", async () => {
    const r = await inDir(["equivalence", "small.yaml", "--merge", "sum", "--seed", "2", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.ok).toBe(true);
    expect(body.cpu.maxAbsDiff).toBeLessThan(1e-5);
    expect(body.tfjs.maxAbsDiff).toBeLessThan(1e-5);
    // The head's kernel doubles along its input channels: 3*3*4*5 more params.
    expect(body.params.concat - body.params.add).toBe(180);
  });

  it("refuses a merge that is not an add (exit 1, issue printed)", async () => {
    const r = await inDir(["equivalence", "small.yaml", "--merge", "head"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node "head" is a conv2d op, not a merge/);
    expect(r.stderr).toMatch(/^fusegraph: error: cannot rewrite merge "head"/m);
  });
});

describe("fusegraph list and graph", () => {
  it("list --json has every example with its merges, params and MACs", async () => {
    const r = await inDir(["list", "--json"]);
    expect(r.code).toBe(0);
    const { examples } = JSON.parse(r.stdout) as {
      examples: { name: string; merges: string[]; params: { trainable: number } }[];
    };
    // torchvision's published count for ResNet-50 (trainable; BN running stats are not parameters there).
    expect(examples.find((e) => e.name === "resnet50")).toMatchObject({
      merges: ["add"],
      params: { trainable: 25_557_032 },
    });
    expect(examples.find((e) => e.name === "unet")?.merges).toEqual(["concat"]);
  });

  it("graph prints svg, dot and mermaid, or writes --out", async () => {
    const svg = await inDir(["graph", "small.yaml"]);
    expect(svg.code).toBe(0);
    expect(svg.stdout).toMatch(/<svg[\s>]/);
    expect((await inDir(["graph", "small.yaml", "--format", "dot"])).stdout).toMatch(/digraph/);
    expect((await inDir(["graph", "small.yaml", "--format", "mermaid", "--expand"])).stdout).toMatch(
      /flowchart/,
    );
    const out = await inDir(["graph", "small.yaml", "--out", "pics/small.svg"]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/^wrote pics\/small\.svg \(svg, 6 nodes\)$/m);
    expect(readFileSync(join(dir, "pics/small.svg"), "utf8")).toMatch(/<svg[\s>]/);
  });
});
