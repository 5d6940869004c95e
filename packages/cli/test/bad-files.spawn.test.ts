import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI_BIN,
  ensureBuilt,
  ONE_CONV,
  run,
  SMALL_ADD_NET,
  type Spawned,
  STACK_FRAME,
  spawnPlain,
} from "./helpers.js";

// Issue 12: malformed .npy inputs, malformed or mismatched weights directories and unwritable output
// paths, through the built CLI as a user meets them. Every refusal is exit 2 (the CLI's usage error:
// "unreadable spec, input or weights file", see `fusegraph --help`) with exactly one line on stderr and
// nothing written; each table also holds well-formed files that must succeed, so a harness that
// refused everything would fail.
let tmp = "";

function cli(args: readonly string[]): Spawned {
  return spawnPlain(process.execPath, [CLI_BIN, ...args], tmp);
}

/**
 * The same program in-process (runCli with tmp as its cwd): the ~100 file cases would cost a Node start
 * and a tfjs import each as spawns. Each table keeps spawned cases too, for the built binary's own path.
 */
async function cliInProcess(args: readonly string[]): Promise<Spawned> {
  const r = await run(args, { cwd: tmp });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Every path under `dir` (relative, sorted), to show a failed command wrote nothing. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      out.push(path);
      if (statSync(join(dir, path)).isDirectory()) walk(path);
    }
  };
  walk("");
  return out.sort();
}

/** A refusal: the exit code, stderr exactly one `fusegraph: error:` line matching `message`, no stack frame. */
function expectRefused(r: Spawned, message: RegExp, code = 2): void {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect({ code: r.code, lines }).toEqual({ code, lines: [expect.stringMatching(/^fusegraph: error: /)] });
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).not.toMatch(/internal error/);
}

// ---------------------------------------------------------------------------------------------------
// .npy files, built byte by byte here (not with the CLI's writer) following numpy's format spec.

const enc = (s: string) => [...s].map((c) => c.charCodeAt(0) & 0xff);

/** A .npy file: magic, version, header length, the dict padded to 64 bytes and ended by \n, then `data`. */
function npy(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerLength = total - prefix;
  const len =
    version === 1 ? [headerLength & 0xff, headerLength >> 8] : [headerLength & 0xff, headerLength >> 8, 0, 0];
  const header = enc(`${dict}${" ".repeat(headerLength - dict.length - 1)}\n`);
  return new Uint8Array([0x93, ...enc("NUMPY"), version, 0, ...len, ...header, ...data]);
}
const dictOf = (descr: string, shape: string, fortran = "False") =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

/** Values as bytes of a typed array, in the given byte order. */
function bytesOf(values: number[], size: 1 | 2 | 4 | 8, set: keyof DataView, little = true): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, k) => {
    const setter = view[set] as (at: number, v: number | bigint, little?: boolean) => void;
    setter.call(view, k * size, String(set).startsWith("setBig") ? BigInt(v) : v, little);
  });
  return new Uint8Array(view.buffer);
}

const X = [1, 2, 3, 4]; // one.yaml's input x: [2, 2, 1]
const F4 = bytesOf(X, 4, "setFloat32");
const OK = npy(dictOf("<f4", "(2, 2, 1)"), F4);

interface NpyCase {
  name: string;
  bytes: Uint8Array;
  /** A refusal message, or (accepted) the note on stderr and the float32 values it must equal. */
  expect: RegExp | { note: RegExp | null; same: number[] };
}

/** IEEE half-precision bit patterns of 1, 2, 3 and 4, written out so the reader is checked against numpy's bits. */
const F2_BITS = [0x3c00, 0x4000, 0x4200, 0x4400];

const NPY_CASES: NpyCase[] = [
  // Accepted: negative controls for the refusals below, and the conversions the docs list.
  { name: "float32 '<f4'", bytes: OK, expect: { note: null, same: X } },
  { name: "format 2.0", bytes: npy(dictOf("<f4", "(2, 2, 1)"), F4, 2), expect: { note: null, same: X } },
  {
    name: "batch first (1, 2, 2, 1)",
    bytes: npy(dictOf("<f4", "(1, 2, 2, 1)"), F4),
    expect: { note: null, same: X },
  },
  {
    name: "float64 '<f8'",
    bytes: npy(dictOf("<f8", "(2, 2, 1)"), bytesOf(X, 8, "setFloat64")),
    expect: { note: /converted float64 \('<f8'\)/, same: X },
  },
  {
    name: "big-endian '>f4'",
    bytes: npy(dictOf(">f4", "(2, 2, 1)"), bytesOf(X, 4, "setFloat32", false)),
    expect: { note: /converted big-endian float32 \('>f4'\)/, same: X },
  },
  {
    name: "float16 '<f2'",
    bytes: npy(dictOf("<f2", "(2, 2, 1)"), bytesOf(F2_BITS, 2, "setUint16")),
    expect: { note: /converted float16/, same: X },
  },
  {
    name: "int32 '<i4'",
    bytes: npy(dictOf("<i4", "(2, 2, 1)"), bytesOf(X, 4, "setInt32")),
    expect: { note: /converted int32 \('<i4'\)/, same: X },
  },
  {
    name: "int64 '>i8'",
    bytes: npy(dictOf(">i8", "(2, 2, 1)"), bytesOf(X, 8, "setBigInt64", false)),
    expect: { note: /converted big-endian int64/, same: X },
  },
  {
    name: "uint8 '|u1'",
    bytes: npy(dictOf("|u1", "(2, 2, 1)"), new Uint8Array(X)),
    expect: { note: /converted uint8/, same: X },
  },
  {
    name: "bool '|b1'",
    bytes: npy(dictOf("|b1", "(2, 2, 1)"), new Uint8Array([1, 0, 7, 1])),
    expect: { note: /converted bool/, same: [1, 0, 1, 1] },
  },
  // Refused dtypes: no float32 value per element.
  {
    name: "unicode '<U3'",
    bytes: npy(dictOf("<U3", "(2, 2, 1)"), new Uint8Array(48)),
    expect: /dtype '<U3' \(unicode strings\); expected a numeric dtype/,
  },
  {
    name: "object '|O'",
    bytes: npy(dictOf("|O", "(2, 2, 1)"), new Uint8Array(32)),
    expect: /dtype '\|O' \(Python objects.*never unpickles\)/,
  },
  {
    name: "complex '<c8'",
    bytes: npy(dictOf("<c8", "(2, 2, 1)"), new Uint8Array(32)),
    expect: /dtype '<c8' \(complex numbers/,
  },
  {
    name: "datetime '<M8[ns]'",
    bytes: npy(dictOf("<M8[ns]", "(2, 2, 1)"), new Uint8Array(32)),
    expect: /dtype '<M8\[ns\]' \(datetimes\)/,
  },
  {
    name: "byte strings '|S4'",
    bytes: npy(dictOf("|S4", "(2, 2, 1)"), new Uint8Array(16)),
    expect: /dtype '\|S4' \(byte strings\)/,
  },
  {
    name: "long double '<f16'",
    bytes: npy(dictOf("<f16", "(2, 2, 1)"), new Uint8Array(64)),
    expect: /dtype '<f16'; expected a numeric dtype/,
  },
  {
    name: "a 4-byte dtype without byte order '|f4'",
    bytes: npy(dictOf("|f4", "(2, 2, 1)"), F4),
    expect: /dtype '\|f4'/,
  },
  {
    name: "structured dtype",
    bytes: npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2, 1), }", F4),
    expect: /structured dtype \(named fields\)/,
  },
  // Refused layouts and headers.
  {
    name: "Fortran order",
    bytes: npy(dictOf("<f4", "(2, 2, 1)", "True"), F4),
    expect: /Fortran \(column-major\) order; expected C order\. Hint: np\.save/,
  },
  {
    name: "wrong magic",
    bytes: new Uint8Array([0x93, ...enc("NUMPX"), ...OK.subarray(6)]),
    expect: /is not a \.npy file \(it does not start with \\x93NUMPY\)/,
  },
  { name: "an empty file", bytes: new Uint8Array(0), expect: /is empty; expected a \.npy file/ },
  {
    name: "version 9.0",
    bytes: new Uint8Array([...OK.subarray(0, 6), 9, 0, ...OK.subarray(8)]),
    expect: /format version 9\.0 is not supported/,
  },
  {
    name: "a truncated header",
    bytes: OK.subarray(0, 40),
    expect: /header is truncated \(its length field says 118 bytes, the file has 30/,
  },
  {
    name: "a header length beyond the file",
    bytes: new Uint8Array([...OK.subarray(0, 8), 0x88, 0x13, ...OK.subarray(10)]),
    expect: /header is truncated \(its length field says 5000 bytes/,
  },
  {
    name: "a header length above numpy's limit",
    bytes: new Uint8Array([...OK.subarray(0, 8), 0xff, 0xff, ...OK.subarray(10)]),
    expect: /header is 65535 bytes, more than 10000/,
  },
  {
    name: "garbage bytes as the header",
    bytes: npy("\xff\xfe\x01 garbage", F4),
    expect: /malformed \.npy header \(unexpected input at character 0\)/,
  },
  {
    name: "a non-ASCII extra key",
    bytes: npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 1), 'é': 1, }", F4),
    expect: /needs exactly the keys 'descr', 'fortran_order' and 'shape', it has .*"é"/,
  },
  {
    name: "a missing key",
    bytes: npy("{'descr': '<f4', 'shape': (2, 2, 1), }", F4),
    expect: /needs exactly the keys .* it has "descr", "shape"$/,
  },
  {
    name: "a list, not a dict",
    bytes: npy("[1, 2]", F4),
    expect: /malformed \.npy header \(expected a dict/,
  },
  {
    name: "a shape that is a string",
    bytes: npy("{'descr': '<f4', 'fortran_order': False, 'shape': '2', }", F4),
    expect: /'shape' in the \.npy header is "2", expected a tuple of integers/,
  },
  {
    name: "a negative dimension",
    bytes: npy(dictOf("<f4", "(2, -2, 1)"), F4),
    expect: /invalid shape \(2, -2, 1\).*dimension -2 is not an integer in \[0, 2\^53\)/,
  },
  {
    name: "a non-integer dimension",
    bytes: npy(dictOf("<f4", "(2.0, 2, 1)"), F4),
    expect: /malformed \.npy header \(a non-integer number at character \d+\)/,
  },
  {
    name: "a dimension beyond 2^53",
    bytes: npy(dictOf("<f4", "(9007199254740993, 1)"), F4),
    expect: /dimension 9007199254740992 is not an integer in \[0, 2\^53\)/,
  },
  {
    name: "shape () (0 dims)",
    bytes: npy(dictOf("<f4", "()"), F4.subarray(0, 4)),
    expect: /input "x" has shape \[\], expected \[2,2,1\] or \[N,2,2,1\]$/,
  },
  {
    name: "a batch of 0",
    bytes: npy(dictOf("<f4", "(0, 2, 2, 1)"), new Uint8Array(0)),
    expect: /has shape \[0,2,2,1\].*with N >= 1/,
  },
  {
    name: "more than 2^31 elements",
    bytes: npy(dictOf("<f4", "(65536, 65536)"), F4),
    expect: /shape \(65536, 65536\) declares 4\.29e\+9 values, more than 2147483647/,
  },
  {
    name: "more than 2^53 elements",
    bytes: npy(dictOf("<f4", "(4294967296, 4294967296, 2)"), F4),
    expect: /declares 3\.69e\+19 values, more than 2147483647/,
  },
  {
    name: "data shorter than declared",
    bytes: npy(dictOf("<f4", "(2, 2, 1)"), F4.subarray(0, 10)),
    expect: /shape \(2, 2, 1\) of float32 needs 16 data bytes, the file has 10/,
  },
  {
    name: "data longer than declared",
    bytes: npy(dictOf("<f4", "(2, 2, 1)"), new Uint8Array([...F4, 0, 0, 0, 0])),
    expect: /needs 16 data bytes, the file has 20/,
  },
  {
    name: "a shape the graph does not take",
    bytes: npy(dictOf("<f4", "(4, 1)"), F4),
    expect: /input "x" has shape \[4,1\], expected \[2,2,1\]/,
  },
];

// ---------------------------------------------------------------------------------------------------
// Weights directories, each made from a good one written by `compile --backend cpu`.

interface Manifest {
  weights: { name: string; shape: number[]; dtype: string; offset: number; byteLength: number }[];
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "weights.json"), "utf8")) as Manifest;
const writeManifest = (dir: string, m: unknown) =>
  writeFileSync(join(dir, "weights.json"), JSON.stringify(m));

/** name → how to spoil a copy of the good directory (undefined: give a path that is not a weights directory). */
const WEIGHTS_DIRS: Record<string, ((dir: string) => void) | undefined> = {
  ok: () => {},
  "extra-files": (d) => {
    writeFileSync(join(d, "README.md"), "my weights\n");
    writeFileSync(join(d, "other.bin"), "xx");
    mkdirSync(join(d, "notes"));
  },
  nan: (d) => {
    const bin = readFileSync(join(d, "weights.bin"));
    bin.writeFloatLE(Number.NaN, 0);
    writeFileSync(join(d, "weights.bin"), bin);
  },
  "no-manifest": (d) => rmSync(join(d, "weights.json")),
  "manifest-not-json": (d) => writeFileSync(join(d, "weights.json"), "{ weights: oops"),
  "manifest-an-array": (d) => writeFileSync(join(d, "weights.json"), "[1, 2, 3]"),
  "manifest-null-entry": (d) => writeManifest(d, { ...readManifest(d), weights: [null] }),
  "manifest-bad-entry": (d) => {
    // JSON numbers beyond float64 parse as Infinity: not an integer dimension.
    const text = JSON.stringify(readManifest(d)).replace(/"shape":\[3,3,3,4\]/, '"shape":[3,3,3,1e999]');
    writeFileSync(join(d, "weights.json"), text);
  },
  "no-bin": (d) => rmSync(join(d, "weights.bin")),
  "bin-is-a-dir": (d) => {
    rmSync(join(d, "weights.bin"));
    mkdirSync(join(d, "weights.bin"));
  },
  "truncated-bin": (d) =>
    writeFileSync(join(d, "weights.bin"), readFileSync(join(d, "weights.bin")).subarray(0, 100)),
  "extra-bytes": (d) =>
    writeFileSync(
      join(d, "weights.bin"),
      Buffer.concat([readFileSync(join(d, "weights.bin")), Buffer.alloc(8)]),
    ),
  "wrong-name": (d) => {
    const m = readManifest(d);
    m.weights[0]!.name = "nope/kernel";
    writeManifest(d, m);
  },
  "wrong-shape": (d) => {
    const m = readManifest(d);
    const w = m.weights[0]!; // a/kernel [3,3,3,4]: same byte count as [3,3,4,3]
    w.shape = [3, 3, 4, 3];
    writeManifest(d, m);
  },
  "extra-weight": (d) => {
    const m = readManifest(d);
    const end = m.weights.reduce((e, w) => Math.max(e, w.offset + w.byteLength), 0);
    m.weights.push({ name: "ghost/kernel", shape: [2], dtype: "float32", offset: end, byteLength: 8 });
    writeManifest(d, m);
    writeFileSync(
      join(d, "weights.bin"),
      Buffer.concat([readFileSync(join(d, "weights.bin")), Buffer.alloc(8)]),
    );
  },
  "tfjs-model": undefined,
  "a-file": undefined,
  missing: undefined,
};

/** What each directory gives: exit 2 and the message, or success (exit 0; verify fails on NaN outputs: 1). */
const WEIGHTS_EXPECT: Record<string, RegExp | "ok" | "nan"> = {
  ok: "ok",
  "extra-files": "ok",
  nan: "nan",
  "no-manifest":
    /w-no-manifest has no weights\.json: a fusegraph weights directory holds weights\.json \+ weights\.bin/,
  "manifest-not-json": /w-manifest-not-json\/weights\.json is not JSON/,
  "manifest-an-array":
    /is not a fusegraph weights manifest \(expected format "fusegraph-weights", version 1, a weights array\)/,
  "manifest-null-entry":
    /weight entry #0 in .* is null, expected \{ name, shape, dtype, offset, byteLength \}/,
  "manifest-bad-entry":
    /weight "a\/kernel" in .* needs a name, an integer shape, an offset and byteLength = 4 \* numel\(shape\)/,
  "no-bin": /cannot read .*w-no-bin\/weights\.bin, which .*weights\.json names: it is missing/,
  "bin-is-a-dir": /weights\.bin, which .* names: it is a directory, expected a file/,
  "truncated-bin": /weight "[^"]+" needs bytes \[\d+, \d+\) but .*weights\.bin has 100 bytes/,
  "extra-bytes": /weights\.bin has 1260 bytes but .*weights\.json describes 1252: the two files do not match/,
  "wrong-name": /weight "a\/kernel" of graph "small-add" is not in/,
  "wrong-shape": /weight "a\/kernel" has shape \[3,3,4,3\] in .*, expected \[3,3,3,4\]/,
  "extra-weight": /weight "ghost\/kernel" in .* belongs to no node of graph "small-add"/,
  "tfjs-model": /w-tfjs-model holds a TensorFlow\.js model \(model\.json\), not fusegraph weights/,
  "a-file": /--weights "w-a-file" is not a directory/,
  missing: /--weights "w-missing" is not a directory/,
};

/** Each command that reads --weights, with the path it would write (checked to stay absent on failure). */
const WEIGHTS_COMMANDS: { name: string; args: (w: string, out: string) => string[]; writes: boolean }[] = [
  {
    name: "run",
    args: (w, out) => ["run", "small.yaml", "--random", "--weights", w, "--out", `${out}.npy`],
    writes: true,
  },
  {
    name: "verify",
    args: (w) => ["verify", "small.yaml", "--backend", "cpu", "--weights", w],
    writes: false,
  },
  {
    name: "compile cpu",
    args: (w, out) => ["compile", "small.yaml", "--backend", "cpu", "--weights", w, "--out", out],
    writes: true,
  },
  {
    name: "compile tfjs",
    args: (w, out) => ["compile", "small.yaml", "--backend", "tfjs", "--weights", w, "--out", out],
    writes: true,
  },
  {
    name: "equivalence",
    args: (w) => ["equivalence", "small.yaml", "--merge", "sum", "--runtime", "cpu", "--weights", w],
    writes: false,
  },
];

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-bad-files-"));
  writeFileSync(join(tmp, "one.yaml"), ONE_CONV);
  writeFileSync(join(tmp, "small.yaml"), SMALL_ADD_NET);
  mkdirSync(join(tmp, "npy"));
  for (const [i, c] of NPY_CASES.entries()) writeFileSync(join(tmp, "npy", `${i}.npy`), c.bytes);
  for (const [backend, dir] of [
    ["cpu", "w-good"],
    ["tfjs", "w-tfjs-model"],
  ] as const) {
    const r = cli(["compile", "small.yaml", "--backend", backend, "--out", dir]);
    if (r.code !== 0) throw new Error(`compile failed: ${r.stderr}`);
  }
  for (const [name, spoil] of Object.entries(WEIGHTS_DIRS)) {
    if (name === "a-file") writeFileSync(join(tmp, "w-a-file"), "not a directory");
    if (!spoil) continue;
    cpSync(join(tmp, "w-good"), join(tmp, `w-${name}`), { recursive: true });
    spoil(join(tmp, `w-${name}`));
  }
}, 300_000);

afterAll(() => {
  if (!tmp) return;
  chmodSync(tmp, 0o755);
  rmSync(tmp, { recursive: true, force: true });
});

describe("run --input with malformed .npy files", () => {
  /** The float32 reference: outputs of the same values given as '<f4', for the conversions to match. */
  const reference = new Map<string, unknown>();
  const outputsOf = async (file: string) => {
    const r = await cliInProcess(["run", "one.yaml", "--input", file, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { outputs: unknown }).outputs;
  };

  it.each(NPY_CASES.map((c, i) => [c.name, i, c] as const))("%s", async (_, i, c) => {
    const file = `npy/${i}.npy`;
    const before = snapshot(tmp);
    const r = await cliInProcess(["run", "one.yaml", "--input", file, "--out", `npy/out-${i}.npy`]);
    if (c.expect instanceof RegExp) {
      expectRefused(r, new RegExp(`^fusegraph: error: ${file.replace(".", "\\.")}.*${c.expect.source}`));
      expect(snapshot(tmp)).toEqual(before);
      return;
    }
    expect(r.code, r.stderr).toBe(0);
    const notes = r.stderr.split("\n").filter((l) => l !== "");
    if (c.expect.note === null) expect(notes).toEqual([]);
    else expect(notes).toEqual([expect.stringMatching(c.expect.note)]);
    expect(snapshot(tmp)).toContain(`npy/out-${i}.npy`); // the negative control of "nothing written"
    // The converted values equal the same values saved as float32: the outputs are identical.
    const key = c.expect.same.join(",");
    if (!reference.has(key)) {
      const ref = join(tmp, "npy", `ref-${key.replace(/,/g, "_")}.npy`);
      writeFileSync(ref, npy(dictOf("<f4", "(2, 2, 1)"), bytesOf(c.expect.same, 4, "setFloat32")));
      reference.set(key, await outputsOf(ref));
    }
    expect(await outputsOf(file)).toEqual(reference.get(key));
  });

  it("the same refusals on the tfjs backend (the file is read before any backend)", () => {
    const refused = NPY_CASES.findIndex((c) => c.name === "Fortran order");
    expectRefused(cli(["run", "one.yaml", "--backend", "tfjs", "--input", `npy/${refused}.npy`]), /Fortran/);
    // Negative control: the well-formed file runs there.
    expect(
      cli(["run", "one.yaml", "--backend", "tfjs", "--runtime", "cpu", "--input", "npy/0.npy"]).code,
    ).toBe(0);
  });
});

describe("--weights with malformed or mismatched directories", () => {
  for (const command of WEIGHTS_COMMANDS) {
    describe(command.name, () => {
      it.each(Object.keys(WEIGHTS_DIRS))("%s", async (name) => {
        const out = `out-${command.name.replace(" ", "-")}-${name}`;
        const before = snapshot(tmp);
        // The built binary for one command, in-process for the rest (the same runCli).
        const args = command.args(`w-${name}`, out);
        const r = command.name === "run" ? cli(args) : await cliInProcess(args);
        const expected = WEIGHTS_EXPECT[name]!;
        if (expected instanceof RegExp) {
          expectRefused(r, expected);
          expect(r.stderr).toMatch(/^fusegraph: error: --weights/);
          expect(snapshot(tmp)).toEqual(before);
          return;
        }
        const lines = r.stderr.split("\n").filter((l) => l !== "");
        if (expected === "ok") {
          expect({ code: r.code, lines }).toEqual({ code: 0, lines: [] });
        } else {
          // NaN weights are used as given, with one warning naming them; verify then fails its check.
          expect(r.code, r.stderr).toBe(command.name === "verify" || command.name === "equivalence" ? 1 : 0);
          expect(
            lines.filter((l) => /^fusegraph: warning: --weights w-nan: 1 of 6 weights hold NaN/.test(l)),
          ).toHaveLength(1);
          expect(r.stderr).not.toMatch(/error/);
        }
        if (command.writes) expect(snapshot(tmp).some((p) => p.startsWith(out))).toBe(true);
      });
    });
  }
});

describe("unwritable output paths", () => {
  const LONG = "n".repeat(300);
  /** Paths that refuse root too, and one that refuses only other users. */
  const PATHS: { name: string; path: string; message: RegExp; skip?: string }[] = [
    {
      name: "under a regular file (ENOTDIR)",
      path: "afile/out",
      message: /a part of the path is a file, not a directory/,
    },
    {
      name: "a name too long (ENAMETOOLONG)",
      path: `${LONG}/out`,
      message: /a name in the path is too long/,
    },
    {
      name: "under /proc/self (no new entries)",
      path: "/proc/self/fusegraph-out",
      message: /cannot hold new files|no such file/,
    },
    {
      name: "a missing directory under /proc/self",
      path: "/proc/self/fusegraph-none/out",
      message: /cannot hold new files|no such file/,
    },
    {
      name: "a read-only directory",
      path: "ro/out",
      message: /permission denied/,
      skip:
        process.getuid?.() === 0 ? "running as root, for whom chmod 555 does not refuse writes" : undefined,
    },
  ];
  // docs merges computes its page from every bundled example (~8 s a run): two paths show its writer.
  const DOCS_PATHS = new Set(["afile/out", "/proc/self/fusegraph-out"]);
  const WRITERS: { name: string; args: (out: string) => string[] }[] = [
    { name: "compile cpu", args: (o) => ["compile", "one.yaml", "--backend", "cpu", "--out", o] },
    { name: "compile tfjs", args: (o) => ["compile", "one.yaml", "--out", o] },
    { name: "run --out", args: (o) => ["run", "one.yaml", "--random", "--out", `${o}.npy`] },
    { name: "graph --out", args: (o) => ["graph", "one.yaml", "--out", `${o}.svg`] },
    { name: "docs --out", args: (o) => ["docs", "merges", "--out", `${o}.md`] },
    { name: "init", args: (o) => ["init", o, "--name", "pkg"] },
  ];

  beforeAll(() => {
    writeFileSync(join(tmp, "afile"), "a file\n");
    mkdirSync(join(tmp, "ro"));
    chmodSync(join(tmp, "ro"), 0o555);
  });

  for (const w of WRITERS) {
    describe(w.name, () => {
      for (const p of PATHS.filter((q) => w.name !== "docs --out" || DOCS_PATHS.has(q.path))) {
        it.skipIf(p.skip !== undefined)(`${p.name}${p.skip ? ` (skipped: ${p.skip})` : ""}`, () => {
          const before = snapshot(tmp);
          expectRefused(cli(w.args(p.path)), p.message);
          expect(snapshot(tmp)).toEqual(before);
          expect(readFileSync(join(tmp, "afile"), "utf8")).toBe("a file\n");
        });
      }
      it("negative control: a writable path succeeds and writes", () => {
        const out = `written-${w.name.replace(/\W+/g, "-")}`;
        const r = cli(w.args(out));
        expect(r.code, r.stderr).toBe(0);
        expect(snapshot(tmp).some((p) => p.startsWith(out))).toBe(true);
      });
    });
  }
});
