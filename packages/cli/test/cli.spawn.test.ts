import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI_BIN,
  ensureBuilt,
  MISMATCHED_ADD,
  mergeThenConvSpec,
  REPO_ROOT,
  SMALL_ADD_NET,
  type Spawned,
  STACK_FRAME,
  STRIDED_DILATED_CONV,
  spawnPlain,
} from "./helpers.js";

// These tests run the built CLI as a user would: `node packages/cli/dist/main.js ...`.
const samples = resolve(REPO_ROOT, "packages/cli/samples");
let tmp = "";

function cli(args: string[], input?: string): Spawned {
  return spawnPlain(process.execPath, [CLI_BIN, ...args], tmp, input ?? "");
}

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-cli-"));
  writeFileSync(join(tmp, "bad.yaml"), MISMATCHED_ADD);
  writeFileSync(join(tmp, "add.yaml"), mergeThenConvSpec("add"));
  writeFileSync(join(tmp, "concat.yaml"), mergeThenConvSpec("concat"));
  writeFileSync(join(tmp, "small.yaml"), SMALL_ADD_NET);
  writeFileSync(join(tmp, "sd.yaml"), STRIDED_DILATED_CONV);
}, 320_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("the built fusegraph CLI", () => {
  it("--help exits 0 and documents the exit codes", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Exit codes:$/m);
    expect(r.stderr).toBe("");
  });

  it("check: a valid sample exits 0", () => {
    const r = cli(["check", join(samples, "tiny-fpn-two-ways.yaml")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {2}/m);
    expect(r.stderr).toBe("");
  });

  it("check: a bad spec exits 1 with file:line:col lines and no stack trace", () => {
    const r = cli(["check", "bad.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^bad\.yaml:8:\d+ {2}shape_mismatch {2}merge "sum" \(add\)/m);
    expect(r.stdout).toMatch(/^\s+hint: /m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("check --json parses, from a file and from stdin", () => {
    const a = cli(["check", "bad.yaml", "--json"]);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout)).toMatchObject({
      ok: false,
      issues: [{ code: "shape_mismatch", line: 8, nodeId: "sum" }],
    });
    const b = cli(["check", "-", "--json"], mergeThenConvSpec("add"));
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ ok: true });
  });

  it("inspect --json reports 590,080 params after add and 1,179,904 after concat", () => {
    const add = cli(["inspect", "add.yaml", "--json"]);
    const concat = cli(["inspect", "concat.yaml", "--json"]);
    expect(add.code).toBe(0);
    expect(concat.code).toBe(0);
    expect(JSON.parse(add.stdout).params.total).toBe(590_080);
    expect(JSON.parse(concat.stdout).params.total).toBe(1_179_904);
  });

  it("inspect prints the summary table; an invalid spec exits 1", () => {
    const ok = cli(["inspect", "sample:tiny-hed"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^fuse\s+merge:weightedAdd\s/m);
    expect(ok.stdout).toMatch(/^Total params:\s+3,759 /m);
    const bad = cli(["inspect", "bad.yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.yaml:8:\d+ {2}shape_mismatch/m);
    expect(bad.stderr).not.toMatch(STACK_FRAME);
  });

  it("schema prints JSON", () => {
    const r = cli(["schema"]);
    expect(r.code).toBe(0);
    expect(typeof JSON.parse(r.stdout)).toBe("object");
  });

  it("main --only compiles, verifies and draws, ending with the table; no tfjs banner", () => {
    const r = cli(["main", "--only", "tiny-unet", "--out-dir", "job"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^\[1\/1\] tiny-unet: check ok, inspect ok, yaml skipped, compile ok, verify ok, draw ok$/m,
    );
    expect(r.stdout).toMatch(
      /^Example\s+Source\s+Merge modes\s+Params\s+MACs\s+Compiled at\s+Verify max err\s+Status$/m,
    );
    expect(r.stdout).toMatch(/^tiny-unet\s+sample\s+concat\s+6,434\s/m);
    expect(r.stdout).toMatch(/specs: 1 ok, 0 failed$/m);
    for (const f of ["sample-tiny-unet/model.json", "sample-tiny-unet/weights.bin", "sample-tiny-unet.svg"])
      expect(existsSync(join(tmp, "job", f))).toBe(true);
  });

  it("list prints every example; --json parses", () => {
    const r = cli(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^resnet50\s+add\s+25,610,152\s+4\.09 G\s+ResNet-50/m);
    const j = cli(["list", "--json"]);
    expect(JSON.parse(j.stdout).examples.length).toBeGreaterThan(5);
  });

  it("verify: tfjs agrees with cpu (no tfjs banner on stderr); --json parses", () => {
    const r = cli(["verify", "small.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ok {2}small\.yaml: tfjs \(wasm\) vs cpu, seed 0, batch 1: max relative error/m,
    );
    const j = cli(["verify", "small.yaml", "--json", "--backend", "cpu", "--seed", "4"]);
    expect(j.stderr).toBe("");
    expect(j.code).toBe(0);
    const body = JSON.parse(j.stdout) as {
      ok: boolean;
      outputs: { id: string; maxAbsError: number; maxRelError: number }[];
    };
    expect(body.ok).toBe(true);
    expect(body.outputs.map((o) => o.id)).toEqual(["probs", "side"]);
    for (const o of body.outputs) expect(o.maxRelError).toBeLessThan(1e-4);
  });

  it("compile writes model.json + weights.bin, then refuses the directory without --force", () => {
    const a = cli(["compile", "sample:tiny-unet", "--out", "m"]);
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, "m", "model.json"), "utf8")).format).toBe("layers-model");
    const b = cli(["compile", "sample:tiny-unet", "--out", "m", "--backend", "cpu"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(
      'fusegraph: error: output directory "m" already exists; pass --force to replace it\n',
    );
    const c = cli(["compile", "sample:tiny-unet", "--out", "w", "--backend", "cpu", "--json"]);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      ok: true,
      backend: "cpu",
      files: ["w/weights.json", "w/weights.bin"],
    });
  });

  it("run: .npy out, JSON summary; tfjs backend prints no banner", () => {
    const r = cli(["run", "small.yaml", "--random", "--out", "y.npy", "--json", "--backend", "tfjs"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { outputs: { id: string; shape: number[]; file: string }[] };
    expect(body.outputs).toMatchObject([
      { id: "probs", shape: [1, 6, 6, 5], file: "y.probs.npy" },
      { id: "side", shape: [1, 4], file: "y.side.npy" },
    ]);
    const bytes = readFileSync(join(tmp, "y.probs.npy"));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
    expect(bytes.length).toBe(128 + 6 * 6 * 5 * 4);
  });

  it("graph writes an SVG; compare and equivalence print their tables", () => {
    const g = cli(["graph", "add.yaml", "--out", "add.svg"]);
    expect(g.code).toBe(0);
    expect(readFileSync(join(tmp, "add.svg"), "utf8")).toMatch(/<svg[\s>]/);
    const c = cli(["compare", "add.yaml", "--merge", "concat", "--json"]);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({
      before: { params: { total: 590_080 } },
      after: { params: { total: 1_179_904 } },
      merges: [{ id: "m", from: "add", to: "concat", paramsDelta: 589_824 }],
    });
    const e = cli(["equivalence", "small.yaml", "--merge", "sum", "--json"]);
    expect(e.stderr).toBe("");
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ ok: true, merge: "sum" });
  });

  it.each([
    [["verify", "bad.yaml"]],
    [["compile", "bad.yaml", "--out", "never"]],
    [["run", "bad.yaml", "--random"]],
    [["graph", "bad.yaml"]],
    [["compare", "bad.yaml", "--merge", "concat"]],
    [["equivalence", "bad.yaml", "--merge", "sum"]],
  ])("a bad spec: %j exits 1 with its issues and no stack trace", (args) => {
    const r = cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:8:\d+ {2}shape_mismatch/m);
    expect(r.stderr).toMatch(/^fusegraph: error: bad\.yaml is not a valid spec/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(join(tmp, "never"))).toBe(false);
  });

  it.each([
    [["verify", "bad.yaml", "--json"]],
    [["compare", "bad.yaml", "--merge", "add", "--json"]],
    [["run", "bad.yaml", "--random", "--json"]],
  ])("a bad spec with --json: %j prints { ok: false, issues } and exits 1", (args) => {
    const r = cli(args);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, issues: [{ code: "shape_mismatch", line: 8 }] });
  });

  it.each([
    [["check"]],
    [["check", "bad.yaml", "--bogus"]],
    [["inspect", "missing.yaml"]],
    [["inspect", "no-such-example"]],
    [["nonsense"]],
    [["schema", "extra"]],
    [["main", "--what"]],
    [["main", "--only", "nope"]],
    [["compile", "add.yaml"]],
    [["compile", "add.yaml", "--out", "x", "--weights", "no-such-dir"]],
    [["verify", "add.yaml", "--seed", "abc"]],
    [["run", "add.yaml"]],
    [["run", "add.yaml", "--input", "nope.npy"]],
    [["graph", "add.yaml", "--format", "png"]],
    [["compare", "add.yaml"]],
    [["equivalence", "add.yaml"]],
    [["list", "extra"]],
  ])("bad arguments %j exit 2 with one fusegraph: error line", (args) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fusegraph: error: .+\n$/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("a backend error with --json: the stderr line as before, and { ok: false, error } on stdout", () => {
    const plain = cli(["verify", "sd.yaml"]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe("");
    expect(plain.stderr).toMatch(
      /^fusegraph: error: node "c": conv2d with strides \[2,2\] and dilation \[2,2\]/,
    );
    const j = cli(["verify", "sd.yaml", "--json"]);
    expect(j.code).toBe(1);
    expect(j.stderr).toBe(plain.stderr);
    expect(JSON.parse(j.stdout)).toEqual({
      ok: false,
      error: {
        code: "unsupported_params",
        nodeId: "c",
        message: expect.stringMatching(
          /^node "c": conv2d with strides \[2,2\] and dilation \[2,2\]: [^\n]+$/,
        ),
        hint: expect.stringContaining("strides 1 with dilation"),
      },
    });
  });

  it.each([
    [["verify", "--json"], /^missing required argument 'spec'$/],
    [["verify", "add.yaml", "--json", "--seed", "abc"], /argument 'abc' is invalid/],
    [["main", "--json", "--what"], /^unknown option '--what'$/],
    [["inspect", "missing.yaml", "--json"], /^cannot read spec file "missing\.yaml"/],
  ])(
    "a usage error with --json: %j exits 2 with its line and { ok: false, error: usage }",
    (args, message) => {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fusegraph: error: .+\n$/);
      const body = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe("usage");
      expect(body.error.message).toMatch(message);
      expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
    },
  );
});
