import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkOutputDir,
  FUSEGRAPH_MARK,
  OUTPUT_STEPS,
  type OutputContent,
  OutputDirError,
  writeOutputDir,
  writeOutputFile,
} from "./output-dir.js";

let root = "";
let bundle = "";

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fusegraph-outdir-"));
  // Killed writers must be real processes: the helper is bundled from source for a child Node to run.
  bundle = join(root, "output-dir.mjs");
  await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), "output-dir.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "silent",
  });
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A model-like output whose data identifies its version, so a reader can tell old from new from a mix. */
function content(version: string, size = 64 * 1024): OutputContent {
  const bytes = new Uint8Array(size);
  const seed = createHash("sha256").update(version).digest();
  for (let i = 0; i < size; i++) bytes[i] = seed[i % seed.length]! ^ (i & 0xff);
  return {
    manifest: "model.json",
    render: (names) =>
      JSON.stringify({ convertedBy: FUSEGRAPH_MARK, version, paths: Object.fromEntries(names) }),
    data: [{ name: "weights.bin", bytes }],
  };
}

/** The version a directory holds completely, or why it does not hold a complete output. */
function completeVersion(dir: string): string {
  if (!existsSync(dir)) return "absent";
  let m: { version: string; paths: Record<string, string> };
  try {
    m = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  } catch {
    return "broken: no readable model.json";
  }
  const expected = content(m.version).data[0]!.bytes;
  const file = join(dir, m.paths["weights.bin"] ?? "missing");
  if (!existsSync(file)) return `broken: ${m.version} names a missing data file`;
  return Buffer.from(readFileSync(file)).equals(Buffer.from(expected))
    ? m.version
    : `broken: mixed ${m.version}`;
}

function fresh(name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Runs a writer in a child process that SIGKILLs itself just before `killAt` (never, if undefined). */
function writeInChild(dir: string, version: string, killAt?: string) {
  const script = `
    import { writeOutputDir, FUSEGRAPH_MARK } from ${JSON.stringify(bundle)};
    import { createHash } from "node:crypto";
    const version = ${JSON.stringify(version)};
    const bytes = new Uint8Array(64 * 1024);
    const seed = createHash("sha256").update(version).digest();
    for (let i = 0; i < bytes.length; i++) bytes[i] = seed[i % seed.length] ^ (i & 0xff);
    await writeOutputDir(${JSON.stringify(dir)}, {
      manifest: "model.json",
      render: (names) => JSON.stringify({ convertedBy: FUSEGRAPH_MARK, version, paths: Object.fromEntries(names) }),
      data: [{ name: "weights.bin", bytes }],
    }, { overwrite: true, onStep: (s) => { if (s === ${JSON.stringify(killAt ?? "")}) process.kill(process.pid, "SIGKILL"); } });
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
}

function leftovers(dir: string): string[] {
  const beside = readdirSync(dirname(dir)).filter((n) => n.startsWith(`.${dir.split("/").pop()}.`));
  const inside = existsSync(dir)
    ? readdirSync(dir).filter((n) => n !== "model.json" && n !== "weights.bin")
    : [];
  return [...beside, ...inside];
}

describe("checkOutputDir refuses what must never be replaced", () => {
  it("the working directory, its ancestors, home and the root, even with overwrite", async () => {
    const cwd = fresh("protect/work/dir");
    writeFileSync(join(cwd, "notes.txt"), "mine");
    const home = process.env.HOME;
    process.env.HOME = join(root, "protect");
    try {
      for (const [dir, why] of [
        [".", /current directory/],
        ["..", /contains the current directory/],
        [join(root, "protect"), /home directory|contains the current/],
        ["/", /root directory/],
      ] as const) {
        const err = await checkOutputDir(dir, { overwrite: true, cwd }).catch((e: unknown) => e);
        expect(err, dir).toBeInstanceOf(OutputDirError);
        expect((err as OutputDirError).code).toBe("protected");
        expect((err as Error).message).toMatch(why);
      }
    } finally {
      process.env.HOME = home;
    }
    expect(readFileSync(join(cwd, "notes.txt"), "utf8")).toBe("mine");
  });

  it("a file, a directory of the user's, and a symbolic link; an empty or absent directory is fine", async () => {
    const cwd = fresh("kinds");
    writeFileSync(join(cwd, "model"), "a file");
    mkdirSync(join(cwd, "src"));
    writeFileSync(join(cwd, "src", "main.ts"), "code");
    writeFileSync(join(cwd, "src", "model.json"), "{}");
    mkdirSync(join(cwd, "empty"));
    const codes: Record<string, string> = {};
    for (const d of ["model", "src", "empty", "absent"]) {
      codes[d] = await writeOutputDir(d, content("A"), { overwrite: true, cwd }).then(
        () => "ok",
        (e: OutputDirError) => e.code,
      );
    }
    expect(codes).toEqual({ model: "not_a_directory", src: "not_fusegraph", empty: "ok", absent: "ok" });
    expect(readFileSync(join(cwd, "model"), "utf8")).toBe("a file");
    expect(readdirSync(join(cwd, "src")).sort()).toEqual(["main.ts", "model.json"]);
    expect(completeVersion(join(cwd, "empty"))).toBe("A");
  });

  it("a model.json that fusegraph did not write is not replaced (negative control: one it wrote is)", async () => {
    const cwd = fresh("marks");
    mkdirSync(join(cwd, "theirs"));
    writeFileSync(join(cwd, "theirs", "model.json"), JSON.stringify({ convertedBy: "someone" }));
    writeFileSync(join(cwd, "theirs", "weights.bin"), "x");
    await expect(writeOutputDir("theirs", content("A"), { overwrite: true, cwd })).rejects.toMatchObject({
      code: "not_fusegraph",
    });
    await writeOutputDir("ours", content("A"), { cwd });
    await expect(writeOutputDir("ours", content("B"), { cwd })).rejects.toMatchObject({ code: "exists" });
    await writeOutputDir("ours", content("B"), { overwrite: true, cwd });
    expect(completeVersion(join(cwd, "ours"))).toBe("B");
    expect(leftovers(join(cwd, "ours"))).toEqual([]);
  });

  it("replacing an output of the other kind leaves only the new kind's files", async () => {
    const cwd = fresh("kind-switch");
    const dir = join(cwd, "out");
    mkdirSync(dir);
    writeFileSync(join(dir, "weights.json"), JSON.stringify({ format: "fusegraph-weights", version: 1 }));
    writeFileSync(join(dir, "weights.bin"), "old");
    await writeOutputDir(dir, content("B"), { overwrite: true });
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    expect(completeVersion(dir)).toBe("B");
  });

  it("a path under a file or a name too long is an OutputDirError, not a crash", async () => {
    const cwd = fresh("bad-paths");
    writeFileSync(join(cwd, "file"), "x");
    for (const d of ["file/model", "x".repeat(300)]) {
      const err = await writeOutputDir(d, content("A"), { cwd }).catch((e: unknown) => e);
      expect(err, d).toBeInstanceOf(OutputDirError);
      expect((err as OutputDirError).code).toBe("unwritable");
    }
    expect(readFileSync(join(cwd, "file"), "utf8")).toBe("x");
  });
});

const STAGED_STEPS: readonly string[] = ["stage", "write-data", "commit-staged"];

describe("a writer killed at any step leaves the old or the new complete output", () => {
  // Control: the check itself notices a mix, so a passing kill test means something.
  it("completeVersion notices a mixed output", () => {
    const dir = fresh("mixed");
    writeFileSync(
      join(dir, "model.json"),
      JSON.stringify({ version: "A", paths: { "weights.bin": "weights.bin" } }),
    );
    writeFileSync(join(dir, "weights.bin"), content("B").data[0]!.bytes);
    expect(completeVersion(dir)).toBe("broken: mixed A");
  });

  for (const start of ["absent", "existing"] as const) {
    for (const step of OUTPUT_STEPS) {
      it(`${start} output, killed before "${step}"`, () => {
        const dir = join(fresh(`kill-${start}-${step}`), "out");
        if (start === "existing") expect(writeInChild(dir, "A").status).toBe(0);
        const killed = writeInChild(dir, "B", step);
        // A new output is staged and renamed in; an existing one is replaced in place: each path has its steps.
        const reached = STAGED_STEPS.includes(step) === (start === "absent");
        expect(killed.signal).toBe(reached ? "SIGKILL" : null);
        const after = completeVersion(dir);
        expect(start === "absent" ? ["absent", "B"] : ["A", "B"]).toContain(after);
        const next = writeInChild(dir, "C");
        expect(next.status, next.stderr).toBe(0);
        expect(completeVersion(dir)).toBe("C");
        expect(leftovers(dir)).toEqual([]);
      });
    }
  }
});

describe("writeOutputFile", () => {
  it("replaces a file atomically, never a directory, and maps bad paths to OutputDirError", async () => {
    const cwd = fresh("files");
    await writeOutputFile("a/b.txt", "one", { cwd });
    await writeOutputFile("a/b.txt", "two", { cwd });
    expect(readFileSync(join(cwd, "a/b.txt"), "utf8")).toBe("two");
    expect(readdirSync(join(cwd, "a"))).toEqual(["b.txt"]);
    const codes = [];
    for (const p of ["a", "a/b.txt/c", `${"y".repeat(300)}.txt`]) {
      codes.push(
        await writeOutputFile(p, "x", { cwd }).then(
          () => "ok",
          (e: OutputDirError) => e.code,
        ),
      );
    }
    expect(codes).toEqual(["not_a_file", "unwritable", "unwritable"]);
    expect(readFileSync(join(cwd, "a/b.txt"), "utf8")).toBe("two");
  });
});
