import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFreshness, newestInput } from "./build-freshness.js";

let root: string;
const at = (path: string, seconds: number): void => {
  const t = new Date(1_700_000_000_000 + seconds * 1000);
  utimesSync(path, t, t);
};
const file = (rel: string, seconds: number): string => {
  const p = join(root, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, "x");
  at(p, seconds);
  return p;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fusegraph-fresh-"));
  file("a/src/index.ts", 10);
  file("a/src/deep/rule.ts", 20);
  file("a/package.json", 5);
  file("b/src/index.ts", 15);
  file("b/tsconfig.json", 12);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const pkgs = () => [join(root, "a"), join(root, "b")];

describe("build freshness", () => {
  it("finds the newest input across packages, nested dirs included", () => {
    expect(newestInput(pkgs())?.path).toBe(join(root, "a/src/deep/rule.ts"));
  });

  it("is fresh when the stamp is newer than every input", () => {
    expect(buildFreshness(pkgs(), file("stamp", 30))).toEqual({ fresh: true });
  });

  it("is stale when a dependency's source changed after the stamp (negative control)", () => {
    const stamp = file("stamp", 30);
    file("b/src/index.ts", 31);
    const r = buildFreshness(pkgs(), stamp);
    expect(r.fresh).toBe(false);
    if (!r.fresh) expect(r.reason).toContain(join(root, "b/src/index.ts"));
  });

  it("is stale when package.json or tsconfig.json changed, or a script did", () => {
    const stamp = file("stamp", 30);
    at(join(root, "a/package.json"), 40);
    expect(buildFreshness(pkgs(), stamp).fresh).toBe(false);
    at(join(root, "a/package.json"), 5);
    at(join(root, "b/tsconfig.json"), 40);
    expect(buildFreshness(pkgs(), stamp).fresh).toBe(false);
    at(join(root, "b/tsconfig.json"), 5);
    file("b/scripts/copy.mjs", 40);
    expect(buildFreshness(pkgs(), stamp).fresh).toBe(false);
  });

  it("is stale without a stamp", () => {
    expect(buildFreshness(pkgs(), join(root, "missing")).fresh).toBe(false);
  });

  it("ignores tests and fixtures, which never reach dist", () => {
    const stamp = file("stamp", 30);
    file("a/src/index.test.ts", 50);
    file("a/src/__fixtures__/graph.ts", 50);
    expect(buildFreshness(pkgs(), stamp)).toEqual({ fresh: true });
  });
});
