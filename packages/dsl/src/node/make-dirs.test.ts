import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDirs } from "./make-dirs.js";

const tmp = mkdtempSync(join(tmpdir(), "fusegraph-make-dirs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Settles within `ms` or says it hung (Node's own recursive mkdir never settles under /proc/self). */
function withinMs<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("hung")), ms))]);
}

describe("makeDirs", () => {
  it("creates missing ancestors and accepts an existing directory", async () => {
    const deep = join(tmp, "a", "b", "c");
    await makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await expect(makeDirs(deep)).resolves.toBeUndefined();
  });

  it("fails with ENOTDIR where a file is in the way, creating nothing", async () => {
    writeFileSync(join(tmp, "file"), "x");
    await expect(makeDirs(join(tmp, "file", "sub"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(makeDirs(join(tmp, "file"))).rejects.toMatchObject({ code: "ENOTDIR" });
    expect(existsSync(join(tmp, "file", "sub"))).toBe(false);
  });

  it.skipIf(!existsSync("/proc/self"))(
    "fails, rather than looping, where mkdir keeps saying ENOENT",
    async () => {
      await expect(withinMs(makeDirs("/proc/self/fusegraph-none/deeper"), 5_000)).rejects.toMatchObject({
        code: "ENOENT",
      });
      // Negative control: Node's recursive mkdir never returns there (run in a child killed after 1 s),
      // which is why makeDirs exists.
      const child = spawnSync(
        process.execPath,
        ["-e", "require('node:fs').mkdirSync('/proc/self/fusegraph-none/deeper', { recursive: true })"],
        { timeout: 1_000 },
      );
      expect(child.signal).toBe("SIGTERM");
    },
  );
});
