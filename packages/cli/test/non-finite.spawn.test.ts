import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeNpy } from "../src/npy.js";
import {
  CLI_BIN,
  ensureBuilt,
  ONE_CONV,
  SMALL_ADD_NET,
  type Spawned,
  STACK_FRAME,
  spawnPlain,
} from "./helpers.js";

// NaN and ±Infinity through the built CLI, as a user meets them: weights, inputs and outputs.
let tmp = "";

function cli(args: string[]): Spawned {
  return spawnPlain(process.execPath, [CLI_BIN, ...args], tmp);
}

/** Overwrites every value of a compiled weights directory with NaN, keeping its size. */
function poisonWeights(dirName: string): void {
  const manifest = JSON.parse(readFileSync(join(tmp, dirName, "weights.json"), "utf8")) as {
    binary?: string;
  };
  const bin = join(tmp, dirName, manifest.binary ?? "weights.bin");
  const size = readFileSync(bin).length;
  writeFileSync(bin, Buffer.from(new Float32Array(size / 4).fill(Number.NaN).buffer));
}

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-nonfinite-"));
  writeFileSync(join(tmp, "small.yaml"), SMALL_ADD_NET);
  writeFileSync(join(tmp, "one.yaml"), ONE_CONV);
  for (const name of ["w-ok", "w-nan"]) {
    const r = cli(["compile", "small.yaml", "--backend", "cpu", "--out", name]);
    if (r.code !== 0) throw new Error(`compile failed: ${r.stderr}`);
  }
  poisonWeights("w-nan");
}, 320_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("verify with NaN", () => {
  it("all-NaN weights: exit 1, both backends' NaN named per output, never error 0", () => {
    const r = cli(["verify", "small.yaml", "--weights", "w-nan", "--backend", "cpu"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^NaN\/Infinity {2}both backends produce 180 NaN values in output "probs" \(180 of 180, first at \[0,0,0,0\]\)/m,
    );
    expect(r.stdout).toMatch(/both backends produce 4 NaN values in output "side"/);
    expect(r.stdout).toMatch(/^FAILED {2}small\.yaml: .*: NaN or Infinity in 2 of 2 outputs \(above\)$/m);
    expect(r.stdout).not.toMatch(/max relative error 0\b/);
    expect(r.stdout).toMatch(/^probs\s+\[1,6,6,5\]\s+nan\s+nan\s+FAILED$/m);
    // The weights themselves are named on stderr, one line.
    expect(r.stderr).toMatch(
      /^fusegraph: warning: --weights w-nan: 6 of 6 weights hold NaN or Infinity \(313 NaN in all\): "a\/kernel" 108 NaN first at \[0,0,0,0\]/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--json keeps its fields and adds nonFinite per output", () => {
    const r = cli(["verify", "small.yaml", "--weights", "w-nan", "--backend", "cpu", "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(["ok", "tolerance", "seed", "batch", "runtime", "outputs"]);
    expect(j.ok).toBe(false);
    const probs = j.outputs[0];
    expect(Object.keys(probs)).toEqual(["id", "shape", "maxAbsError", "maxRelError", "scale", "nonFinite"]);
    expect(probs).toMatchObject({ id: "probs", maxAbsError: null, maxRelError: null });
    expect(probs.nonFinite).toEqual({
      cpu: { nan: 180, posInf: 0, negInf: 0 },
      tfjs: { nan: 180, posInf: 0, negInf: 0 },
      mismatched: 0,
      firstMismatch: null,
      shared: 180,
      firstShared: [0, 0, 0, 0],
      message:
        'both backends produce 180 NaN values in output "probs" (180 of 180, first at [0,0,0,0]); an output with NaN or Infinity is not verified',
    });
  });

  it("negative control: the same weights before poisoning verify, exit 0, nothing non-finite", () => {
    const r = cli(["verify", "small.yaml", "--weights", "w-ok", "--backend", "cpu", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    for (const o of j.outputs) {
      expect(o.nonFinite.message).toBeNull();
      expect(o.nonFinite.shared + o.nonFinite.mismatched).toBe(0);
    }
  });
});

describe("run with NaN", () => {
  it("counts non-finite values per output; no Infinity as min or max of an all-NaN output", () => {
    const r = cli(["run", "small.yaml", "--weights", "w-nan", "--random"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^probs\s+\[1,6,6,5\]\s+-\s+-\s+-\s+180 NaN$/m);
    expect(r.stdout).not.toMatch(/Infinity/);
    expect(r.stderr).toMatch(
      /^fusegraph: warning: output "probs" holds 180 NaN among its 180 values, first at \[0,0,0,0\]; it has no min, max or mean$/m,
    );
    const j = cli(["run", "small.yaml", "--weights", "w-nan", "--random", "--json"]);
    expect(JSON.parse(j.stdout).outputs[1]).toEqual({
      id: "side",
      shape: [1, 4],
      min: null,
      max: null,
      mean: null,
      nonFinite: { nan: 4, posInf: 0, negInf: 0 },
      file: null,
    });
  });

  it("negative control: finite weights give no NaN column and no warning", () => {
    const r = cli(["run", "small.yaml", "--weights", "w-ok", "--random"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/NaN/);
    expect(r.stdout).toMatch(/^probs\s+\[1,6,6,5\]\s+0\.\d+\s+0\.\d+\s+0\.\d+$/m);
  });

  it(".npy NaN/Infinity and JSON numbers beyond float32 get the same warning and are used", () => {
    writeFileSync(join(tmp, "nan.npy"), writeNpy([2, 2, 1], new Float32Array([1, Number.NaN, 3, 4])));
    writeFileSync(join(tmp, "big.json"), "[[[1], [1e39]], [[3], [4]]]");
    const npy = cli(["run", "one.yaml", "--input", "nan.npy", "--json"]);
    const json = cli(["run", "one.yaml", "--input", "big.json", "--json"]);
    expect([npy.code, json.code]).toEqual([0, 0]);
    expect(npy.stderr).toMatch(
      /^fusegraph: warning: input "x" from nan\.npy holds 1 NaN among its 4 values, first at \[0,0,1,0\]; running with them as given$/m,
    );
    expect(json.stderr).toMatch(
      /^fusegraph: warning: input "x" from big\.json holds 1 \+Infinity among its 4 values, first at \[0,0,1,0\]; 1 of them from numbers beyond float32's range/m,
    );
    expect(JSON.parse(npy.stdout).outputs[0].nonFinite).toEqual({ nan: 1, posInf: 0, negInf: 0 });
    // The seed-0 kernel of the 1x1 conv is positive, so +Infinity in gives +Infinity out.
    expect(JSON.parse(json.stdout).outputs[0].nonFinite).toEqual({ nan: 0, posInf: 1, negInf: 0 });
  });
});

/** A one-line error on stderr, no stack, and the expected exit code. */
function expectOneLine(r: Spawned, code: number, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.code).toBe(code);
}

/** An .npy file from a header dict and raw data bytes, laid out as numpy writes it. */
function npyBytes(dict: string, data: Uint8Array, major = 1): Buffer {
  const prefix = major === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerLength = total - prefix;
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(headerLength, 8);
  else head.writeUInt32LE(headerLength, 8);
  const header = Buffer.from(`${dict}${" ".repeat(headerLength - dict.length - 1)}\n`, "latin1");
  return Buffer.concat([head, header, data]);
}

const f4 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);
const dict = (descr: string, fortran: string, shape: string) =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe("bad input ends in exit 1 or 2 with one line, never an internal error", () => {
  it("--batch whose tensors would pass the element bound (run and verify)", () => {
    for (const command of ["run", "verify"]) {
      const args = command === "run" ? ["run", "small.yaml", "--random"] : ["verify", "small.yaml"];
      expectOneLine(
        cli([...args, "--batch", "100000000"]),
        2,
        /^fusegraph: error: --batch 100000000 is too large for graph "small-add": "head" would hold 100000000 x 180 = 1\.80e\+10 values, more than 2147483647 per tensor; the largest batch is 11930464$/m,
      );
    }
  });

  it("an .npy header nested 100,000 deep", () => {
    writeFileSync(join(tmp, "deep.npy"), npyBytes(`{'descr': ${"(".repeat(100_000)}`, new Uint8Array(), 2));
    expectOneLine(
      cli(["run", "one.yaml", "--input", "deep.npy"]),
      2,
      /the \.npy header is \d+ bytes, more than 10000/,
    );
  });

  it("JSON input nested 10,000 deep", () => {
    writeFileSync(join(tmp, "deep.json"), `${"[".repeat(10_000)}1${"]".repeat(10_000)}`);
    expectOneLine(
      cli(["run", "one.yaml", "--input", "deep.json"]),
      2,
      /deep\.json nests arrays and objects more than 5 levels deep/,
    );
  });

  it.each([
    [
      "truncated header",
      npyBytes(dict("<f4", "False", "(2, 2, 1)"), f4([1, 2, 3, 4])).subarray(0, 30),
      /the \.npy header is truncated/,
    ],
    [
      "wrong magic",
      Buffer.from("PK\u0003\u0004 a zip file, not numpy"),
      /is not a \.npy file \(it does not start with \\x93NUMPY\)/,
    ],
    [
      "fortran order",
      npyBytes(dict("<f4", "True", "(2, 2, 1)"), f4([1, 2, 3, 4])),
      /Fortran \(column-major\) order/,
    ],
    [
      "unsupported dtype",
      npyBytes(dict("<c8", "False", "(2, 2, 1)"), new Uint8Array(32)),
      /holds dtype '<c8' \(complex numbers; .*\); expected a numeric dtype/,
    ],
    [
      "declared shape too large",
      npyBytes(dict("<f4", "False", "(100000, 100000, 100000)"), f4([1, 2, 3, 4])),
      /declares 1\.00e\+15 values, more than 2147483647/,
    ],
    [
      "data shorter than declared",
      npyBytes(dict("<f4", "False", "(2, 2, 1)"), f4([1, 2, 3])),
      /needs 16 data bytes, the file has 12/,
    ],
  ])("a malformed .npy: %s", (_, bytes, message) => {
    writeFileSync(join(tmp, "bad.npy"), bytes);
    expectOneLine(cli(["run", "one.yaml", "--input", "bad.npy"]), 2, message);
  });

  it("negative control: a well-formed .npy of the same shape runs", () => {
    writeFileSync(join(tmp, "good.npy"), npyBytes(dict("<f4", "False", "(2, 2, 1)"), f4([1, 2, 3, 4])));
    const r = cli(["run", "one.yaml", "--input", "good.npy"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a weights manifest whose entries overlap, naming both", () => {
    const path = join(tmp, "w-ok", "weights.json");
    const original = readFileSync(path, "utf8");
    const manifest = JSON.parse(original) as { weights: { name: string; offset: number }[] };
    try {
      // "a/bias" (4 floats) moved to start inside "a/kernel" (bytes [0, 432)).
      manifest.weights[1]!.offset = 400;
      writeFileSync(path, JSON.stringify(manifest));
      expectOneLine(
        cli(["run", "small.yaml", "--weights", "w-ok", "--random"]),
        2,
        /^fusegraph: error: --weights: weight "a\/bias" \(bytes \[400, 416\)\) overlaps weight "a\/kernel" \(bytes \[0, 432\)\)/,
      );
    } finally {
      writeFileSync(path, original);
    }
  });
});
