import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Case, yamlFeatureCase } from "./cases.js";
import { checkProperty, type FuzzEnv, printable } from "./report.js";

describe("a failing fuzz property", () => {
  it("reports the seed, a replay line and the shrunk document as text, and writes the document to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fusegraph-fuzz-report-"));
    try {
      const env: FuzzEnv = { seed: 42, path: undefined, perDocMs: 5_000, failuresDir: dir };
      // A planted bug: every document with a merge key "fails".
      const property = fc.property(yamlFeatureCase, (c: Case) => {
        if (c.text?.includes("<<")) throw new Error("planted failure");
      });
      const err = await checkProperty("planted", property, 200, env).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).toMatch(/^fuzz planted failed after \d+ runs/);
      expect(message).toMatch(/replay: FUSEGRAPH_FUZZ_SEED=42 FUSEGRAPH_FUZZ_PATH=[\d:]+ npx vitest run/);
      expect(message).toContain("reason: planted failure");
      // The document itself, not an escaped JSON string: real newlines and the offending line.
      expect(message).toMatch(/----- document -----\nfusegraph: 1\nname: fz\n[\s\S]*<<: \*base/);
      const files = readdirSync(dir);
      expect(files).toEqual(["planted-42.yaml"]);
      const saved = readFileSync(join(dir, files[0]!), "utf8");
      expect(saved).toContain("<<: *base");
      expect(message).toContain(saved);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes, and writes nothing, when the property holds (negative control)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fusegraph-fuzz-report-"));
    try {
      const env: FuzzEnv = { seed: 42, path: undefined, perDocMs: 5_000, failuresDir: dir };
      const holds = fc.property(yamlFeatureCase, (c: Case) => {
        expect(c.text).toBeDefined();
      });
      await checkProperty("fine", holds, 50, env);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints an object without calling its getters", () => {
    const o = {
      get boom(): never {
        throw new Error("called");
      },
    };
    expect(printable({ label: "o", input: o })).toContain("[Getter]");
  });
});
