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
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkOutputDir,
  FUSEGRAPH_MARK,
  ONNX_MODEL_FILE,
  OUTPUT_KINDS,
  OUTPUT_MANIFESTS,
  OUTPUT_STEPS,
  type OutputContent,
  OutputDirError,
  PYTORCH_MARK,
  PYTORCH_MODEL_FILE,
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

// ---- Every kind of output (OUTPUT_KINDS) replaces every kind, itself included, with the same protocol.

type Kind = "tfjs-model" | "weights" | "onnx" | "pytorch";
const KINDS: readonly Kind[] = ["tfjs-model", "weights", "onnx", "pytorch"];
/** The files a complete output of each kind holds, sorted. */
const FILES: Record<Kind, string[]> = {
  "tfjs-model": ["model.json", "weights.bin"],
  weights: ["weights.bin", "weights.json"],
  onnx: ["model.onnx"],
  pytorch: ["model.py", "train_ddp.py"],
};

const utf8 = (s: string) => new TextEncoder().encode(s);
/** The head of a ModelProto that fusegraph writes (ir_version 8, producer_name "fusegraph"), then the version. */
const onnxBytes = (version: string, producer = "fusegraph") =>
  new Uint8Array([0x08, 8, 0x12, producer.length, ...utf8(producer), 0x1a, version.length, ...utf8(version)]);
const modelPy = (version: string) =>
  `"""PyTorch module for the fusegraph spec "v", exported by @fusegraph/backend-pytorch.\n\nversion ${version}\n"""\n`;
const trainPy = (version: string) => `# trains the model of version ${version}\nimport model\n`;

/** An output of `kind` whose every file identifies `version`. */
function output(kind: Kind, version: string): OutputContent {
  const bin = content(version).data[0]!.bytes;
  switch (kind) {
    case "tfjs-model":
      return content(version);
    case "weights":
      return {
        manifest: "weights.json",
        render: (names) =>
          JSON.stringify({ format: "fusegraph-weights", version, binary: names.get("weights.bin") }),
        data: [{ name: "weights.bin", bytes: bin }],
      };
    case "onnx":
      return { manifest: "model.onnx", render: () => onnxBytes(version), data: [] };
    case "pytorch":
      return {
        manifest: "model.py",
        render: () => modelPy(version),
        data: [{ name: "train_ddp.py", bytes: utf8(trainPy(version)) }],
      };
  }
}

/** The version of `kind` that `dir` holds completely (as a reader of that kind sees it), or undefined. */
function reads(dir: string, kind: Kind): string | undefined {
  const at = (n: string) => join(dir, n);
  const bytes = (n: string) => (existsSync(at(n)) ? new Uint8Array(readFileSync(at(n))) : undefined);
  const same = (a: Uint8Array | undefined, b: Uint8Array) =>
    a !== undefined && Buffer.from(a).equals(Buffer.from(b));
  try {
    switch (kind) {
      case "tfjs-model": {
        const v = completeVersion(dir);
        return v.startsWith("broken") || v === "absent" ? undefined : v;
      }
      case "weights": {
        const m = JSON.parse(readFileSync(at("weights.json"), "utf8"));
        return same(bytes(m.binary ?? "weights.bin"), content(m.version).data[0]!.bytes)
          ? m.version
          : undefined;
      }
      case "onnx": {
        const b = bytes("model.onnx");
        const version = b && new TextDecoder().decode(b.subarray(15));
        return version !== undefined && same(b, onnxBytes(version)) ? version : undefined;
      }
      case "pytorch": {
        const version = /^version (.*)$/m.exec(readFileSync(at("model.py"), "utf8"))?.[1];
        return version !== undefined &&
          same(bytes("model.py"), utf8(modelPy(version))) &&
          same(bytes("train_ddp.py"), utf8(trainPy(version)))
          ? version
          : undefined;
      }
    }
  } catch {
    return undefined;
  }
}

/** Every complete output in `dir`, as `kind:version`. */
function complete(dir: string): string[] {
  return KINDS.flatMap((k) => {
    const v = reads(dir, k);
    return v === undefined ? [] : [`${k}:${v}`];
  });
}

/** What `dir` holds, sorted, with what was left beside it. */
function files(dir: string): string[] {
  const beside = readdirSync(dirname(dir))
    .filter((n) => n.startsWith(`.${basename(dir)}.`))
    .map((n) => `../${n}`);
  return [...readdirSync(dir).sort(), ...beside];
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof OutputDirError ? e.code : `not an OutputDirError: ${String(e)}`),
  );
}

let serial = 0;
/** A fresh directory holding a complete `kind` output of version `version`. */
async function existing(kind: Kind, version: string): Promise<string> {
  const dir = join(fresh(`kinds-${serial++}`), "out");
  await writeOutputDir(dir, output(kind, version));
  expect(files(dir)).toEqual(FILES[kind]);
  expect(complete(dir)).toEqual([`${kind}:${version}`]);
  return dir;
}

describe("the registry of output kinds", () => {
  it("keeps the manifests and marks other packages rely on", () => {
    expect(Object.keys(OUTPUT_MANIFESTS)).toEqual(["model.json", "weights.json"]);
    expect(FUSEGRAPH_MARK).toBe("fusegraph");
    expect(ONNX_MODEL_FILE).toBe("model.onnx");
    expect(PYTORCH_MODEL_FILE).toBe("model.py");
    expect(OUTPUT_KINDS.map((k) => [k.name, k.manifest, ...k.data])).toEqual([
      ["tfjs-model", "model.json", "weights.bin"],
      ["weights", "weights.json", "weights.bin"],
      ["onnx", "model.onnx"],
      ["pytorch", "model.py", "train_ddp.py"],
      [
        "training",
        "history.json",
        "weights.bin",
        "model.weights.bin",
        "curves.svg",
        "weights.json",
        "model.json",
      ],
      ["ablation", "ablation.json", "curves.svg"],
    ]);
    expect(
      KINDS.map((k) => [output(k, "A").manifest, ...output(k, "A").data.map((f) => f.name)].sort()),
    ).toEqual(KINDS.map((k) => FILES[k]));
  });

  // Controls: the readers and the listing notice a mix and a leftover, so the tests below mean something.
  it("the checks notice a mixed output of each kind and a file left over", async () => {
    for (const kind of KINDS) {
      const dir = await existing(kind, "A");
      // B's data beside A's manifest; model.onnx, which has none, cut short by a byte.
      const b = output(kind, "B");
      const a = onnxBytes("A");
      writeFileSync(
        join(dir, b.data[0]?.name ?? b.manifest),
        b.data[0]?.bytes ?? a.subarray(0, a.length - 1),
      );
      expect(complete(dir), kind).toEqual([]);
      writeFileSync(join(dir, "train_ddp.py"), "x");
      if (kind !== "pytorch") expect(files(dir), kind).not.toEqual(FILES[kind]);
    }
  });

  it("writeOutputDir refuses content of no kind, or with data its kind does not own (nothing written)", async () => {
    const cwd = fresh("no-kind");
    const unknown: OutputContent = { manifest: "notes.json", render: () => "{}", data: [] };
    const extra: OutputContent = {
      ...output("pytorch", "A"),
      data: [...output("pytorch", "A").data, { name: "weights.bin", bytes: new Uint8Array(1) }],
    };
    const twice: OutputContent = {
      ...output("weights", "A"),
      data: [...output("weights", "A").data, ...output("weights", "A").data],
    };
    for (const c of [unknown, extra, twice]) {
      await expect(writeOutputDir("out", c, { cwd })).rejects.toThrow(/^writeOutputDir: /);
    }
    expect(readdirSync(cwd)).toEqual([]);
    // Negative control: the same content of a kind is written.
    await writeOutputDir("out", output("pytorch", "A"), { cwd });
    expect(files(join(cwd, "out"))).toEqual(FILES.pytorch);
  });
});

describe("each kind replaces each kind in place, only with overwrite", () => {
  for (const from of KINDS) {
    for (const to of KINDS) {
      it(`${from} by ${to}`, async () => {
        const dir = await existing(from, "A");
        expect(await codeOf(checkOutputDir(dir))).toBe("exists");
        expect(await codeOf(writeOutputDir(dir, output(to, "B")))).toBe("exists");
        expect(complete(dir)).toEqual([`${from}:A`]);
        expect(await codeOf(checkOutputDir(dir, { overwrite: true }))).toBe("ok");
        const seen: string[] = [];
        await writeOutputDir(dir, output(to, "B"), { overwrite: true, onStep: (s) => seen.push(s) });
        // In place: the replacing steps, never the staging ones (the directory's name never goes missing).
        expect(seen).toEqual(OUTPUT_STEPS.filter((s) => !STAGED_STEPS.includes(s)));
        expect(files(dir)).toEqual(FILES[to]);
        expect(complete(dir)).toEqual([`${to}:B`]);
      });
    }
  }
});

describe("only fusegraph's outputs are recognised", () => {
  const foreign: Record<string, Record<string, string | Uint8Array>> = {
    "model.py without the mark": { "model.py": "# my own model\n", "train_ddp.py": "import model\n" },
    "model.py with the mark below its first line": {
      "model.py": `"""my model\n${PYTORCH_MARK}"""\n`,
    },
    "an empty model.py": { "model.py": "" },
    "model.onnx of another producer": { "model.onnx": onnxBytes("A", "pytorch") },
    "model.onnx with a longer producer name": { "model.onnx": onnxBytes("A", "fusegraphx") },
    "model.onnx shorter than its mark": { "model.onnx": onnxBytes("A").subarray(0, 12) },
    "model.onnx that is text": { "model.onnx": "fusegraph" },
    "our model.onnx beside a model.py of the user's": {
      "model.onnx": onnxBytes("A"),
      "model.py": "# mine\n",
    },
    "our model.py beside a model.json of the user's": {
      "model.py": modelPy("A"),
      "model.json": JSON.stringify({ convertedBy: "someone" }),
    },
    "train_ddp.py alone": { "train_ddp.py": trainPy("A") },
  };
  for (const [what, entries] of Object.entries(foreign)) {
    it(`refuses ${what}, even with overwrite, and leaves it alone`, async () => {
      const dir = fresh(`foreign-${serial++}`);
      for (const [n, b] of Object.entries(entries)) writeFileSync(join(dir, n), b);
      for (const kind of KINDS) {
        const err = await writeOutputDir(dir, output(kind, "B"), { overwrite: true }).catch(
          (e: unknown) => e,
        );
        expect(err, kind).toBeInstanceOf(OutputDirError);
        expect((err as OutputDirError).code).toBe("not_fusegraph");
        expect((err as Error).message).toMatch(
          /is not a fusegraph output \(it holds "(model|train_ddp)\.\w+"\)/,
        );
      }
      expect(await codeOf(checkOutputDir(dir, { overwrite: true }))).toBe("not_fusegraph");
      expect(readdirSync(dir).sort()).toEqual(Object.keys(entries).sort());
      for (const [n, b] of Object.entries(entries)) {
        expect(readFileSync(join(dir, n)).equals(Buffer.from(typeof b === "string" ? utf8(b) : b))).toBe(
          true,
        );
      }
    });
  }

  it("negative control: the same files as fusegraph writes them are recognised", async () => {
    const ours: Record<string, string | Uint8Array>[] = [
      { "model.py": modelPy("A"), "train_ddp.py": trainPy("A") },
      { "model.py": `# ${PYTORCH_MARK}\r\n` },
      { "model.onnx": onnxBytes("A") },
      { "model.onnx": new Uint8Array([0x08, 10, ...onnxBytes("A").subarray(2)]) },
      { "model.onnx": onnxBytes("A"), "model.py": modelPy("A") },
      { "model.py": modelPy("A"), "model.json": JSON.stringify({ convertedBy: FUSEGRAPH_MARK }) },
    ];
    for (const entries of ours) {
      const dir = fresh(`ours-${serial++}`);
      for (const [n, b] of Object.entries(entries)) writeFileSync(join(dir, n), b);
      expect(await codeOf(checkOutputDir(dir)), Object.keys(entries).join()).toBe("exists");
      await writeOutputDir(dir, output("onnx", "B"), { overwrite: true });
      expect(files(dir)).toEqual(FILES.onnx);
    }
  });
});

describe("a write interrupted at any step leaves an output that the next write replaces", () => {
  class Interrupted extends Error {}
  const interruptAt = (at: string) => (s: string) => {
    if (s === at) throw new Interrupted(`interrupted before ${at}`);
  };

  for (const kind of KINDS) {
    it(`a new ${kind} output, interrupted at each staging step, leaves nothing`, async () => {
      for (const step of STAGED_STEPS) {
        const dir = join(fresh(`new-${serial++}`), "out");
        const err = await writeOutputDir(dir, output(kind, "B"), { onStep: interruptAt(step) }).catch(
          (e: unknown) => e,
        );
        expect((err as Error).message, step).toContain(`interrupted before ${step}`);
        expect(existsSync(dir), step).toBe(false);
        expect(readdirSync(dirname(dir)), step).toEqual([]);
        await writeOutputDir(dir, output(kind, "C"));
        expect(files(dir)).toEqual(FILES[kind]);
      }
    });
  }

  for (const from of KINDS) {
    for (const to of KINDS) {
      for (const step of OUTPUT_STEPS) {
        it(`${from} replaced by ${to}, interrupted before "${step}"`, async () => {
          for (const next of KINDS) {
            const dir = await existing(from, "A");
            const err = await writeOutputDir(dir, output(to, "B"), {
              overwrite: true,
              onStep: interruptAt(step),
            }).catch((e: unknown) => e);
            // Replacing in place never reaches the staging steps; every other step is reached.
            if (STAGED_STEPS.includes(step)) {
              expect(err).toBeUndefined();
              expect(files(dir)).toEqual(FILES[to]);
            } else {
              expect(err).toBeInstanceOf(OutputDirError);
              expect((err as Error).message).toContain(`interrupted before ${step}`);
            }
            // Still fusegraph's: refused without overwrite, accepted with it.
            expect(await codeOf(checkOutputDir(dir))).toBe("exists");
            expect(await codeOf(checkOutputDir(dir, { overwrite: true }))).toBe("ok");
            // The old or the new output is complete, except where model.py, which names no data file,
            // is committed before the swap: then it sits beside the previous train_ddp.py (if any).
            const whole = complete(dir).filter((c) => c === `${from}:A` || c === `${to}:B`);
            const pyGap =
              to === "pytorch" &&
              (step === "swap-data" || (from === "pytorch" && step === "remove-other-manifests"));
            if (pyGap) {
              expect(readFileSync(join(dir, "model.py"), "utf8")).toBe(modelPy("B"));
              expect(whole).toEqual([]);
            } else {
              expect(whole).not.toEqual([]);
            }
            // The other kind's manifest goes at "remove-other-manifests" (its data files at "cleanup").
            const removed = OUTPUT_STEPS.indexOf(step) > OUTPUT_STEPS.indexOf("remove-other-manifests");
            const manifest = output(from, "A").manifest;
            expect(existsSync(join(dir, manifest)) && !FILES[to].includes(manifest)).toBe(
              from !== to && !removed && !STAGED_STEPS.includes(step),
            );
            expect(await codeOf(writeOutputDir(dir, output(next, "C")))).toBe("exists");
            await writeOutputDir(dir, output(next, "C"), { overwrite: true });
            expect(files(dir), next).toEqual(FILES[next]);
            expect(complete(dir), next).toEqual([`${next}:C`]);
          }
        });
      }
    }
  }
});
