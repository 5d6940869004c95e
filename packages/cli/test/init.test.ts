import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "./helpers.js";

let tmp = "";
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-init-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe("fusegraph init (in process)", () => {
  it("names the package after the directory and writes a spec that checks clean", async () => {
    const r = await run(["init", "My Specs"], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const dir = join(tmp, "My Specs");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.name).toBe("my-specs");
    expect(pkg.fusegraph.specs).toEqual({ "my-specs": "./specs/my-specs.yaml" });
    const check = await run(["check", "specs/my-specs.yaml"], { cwd: dir });
    expect(check.code, check.stdout).toBe(0);
    // Its block resolves as a package block, labelled with the package's name.
    const inspect = await run(["inspect", "specs/my-specs.yaml", "--json"], { cwd: dir });
    expect(JSON.parse(inspect.stdout).imports[0]).toMatchObject({
      file: "my-specs/specs/blocks.yaml",
      package: "my-specs@0.1.0",
    });
    // No staging directory is left beside it.
    expect(readdirSync(tmp)).toEqual(["My Specs"]);
  });

  it("fills the current directory when it is empty", async () => {
    const dir = join(tmp, "here");
    mkdirSync(dir);
    const r = await run(["init", ".", "--scope", "acme"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name).toBe("@acme/here");
    expect(readdirSync(tmp)).toEqual(["here"]);
  });

  it.each([
    [["init", "taken"], /the directory is not empty/],
    [["init", "file.txt"], /it is a file/],
    [["init", "x", "--name", "Bad Name"], /not a valid package name/],
    [["init", "x", "--scope", "@a/b"], /not a valid npm scope/],
  ])("%j is a usage error (exit 2) that writes nothing", async (argv, message) => {
    mkdirSync(join(tmp, "taken"));
    writeFileSync(join(tmp, "taken", "keep.txt"), "mine");
    writeFileSync(join(tmp, "file.txt"), "mine");
    const r = await run(argv, { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(tmp).sort()).toEqual(["file.txt", "taken"]);
    expect(readdirSync(join(tmp, "taken"))).toEqual(["keep.txt"]);
  });
});
