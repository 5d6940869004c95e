import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MISMATCHED_ADD, mergeThenConvSpec, STACK_FRAME } from "./helpers.js";

// These tests run the built CLI as a user would: `node packages/cli/dist/main.js ...`.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const bin = resolve(root, "packages/cli/dist/main.js");
const samples = resolve(root, "packages/cli/samples");
let tmp = "";

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], input?: string): Spawned {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: tmp,
    input: input ?? "",
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FUSEGRAPH_DEBUG: "" },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(bin)) {
    // CI builds before testing; locally build once (turbo) so the spawned CLI exists.
    const b = spawnSync("npm", ["run", "build"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      timeout: 300_000,
    });
    if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
  }
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-cli-"));
  writeFileSync(join(tmp, "bad.yaml"), MISMATCHED_ADD);
  writeFileSync(join(tmp, "add.yaml"), mergeThenConvSpec("add"));
  writeFileSync(join(tmp, "concat.yaml"), mergeThenConvSpec("concat"));
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
    const r = cli(["check", join(samples, "tiny-fpn.yaml")]);
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

  it("main runs every example and sample and ends with the table", () => {
    const r = cli(["main"]);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Example\s+Source\s+Merge modes\s+Params\s+MACs\s+Status$/m);
    expect(r.stdout).toMatch(/^tiny-unet\s+sample\s+concat\s+6,434\s/m);
    expect(r.stdout).toMatch(/specs: \d+ ok, 0 failed$/m);
  });

  it.each([
    [["check"]],
    [["check", "bad.yaml", "--bogus"]],
    [["inspect", "missing.yaml"]],
    [["inspect", "no-such-example"]],
    [["nonsense"]],
    [["schema", "extra"]],
    [["main", "--json", "--what"]],
  ])("bad arguments %j exit 2 with one fusegraph: error line", (args) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fusegraph: error: .+\n$/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});
