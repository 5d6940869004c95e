/**
 * NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), for
 * float32 tensors: the magic `\x93NUMPY`, a version (1.0: 2-byte header length, 2.0 and 3.0: 4-byte),
 * a Python-literal header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with
 * spaces to a 64-byte boundary and ended by `\n`, then the values in C order.
 */

import { endianness } from "node:os";
import { MAX_ELEMENTS } from "@fusegraph/dsl";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Bounds on a header read: numpy itself refuses headers over 10,000 characters unless told otherwise
 * (`max_header_size` in `numpy.lib.format`), and a header nests at most three levels (a dict holding a
 * tuple, or a structured dtype's list of field tuples, which is refused with its own message).
 */
export const NPY_LIMITS = { maxHeaderBytes: 10_000, maxDepth: 3 } as const;

/** Why a file is not an `.npy` array this CLI can use; the message names the file and the rule. */
export class NpyError extends Error {
  override readonly name = "NpyError";
}

export interface NpyArray {
  shape: number[];
  data: Float32Array;
  /** What was converted on the way in (float64 to float32), for the CLI to mention. */
  notes: string[];
  /** float64 values beyond float32's range, now ±Infinity (always 0 for float32 data). */
  overflowed: number;
}

type PyValue = string | number | boolean | PyValue[] | PyDict;
interface PyDict {
  [key: string]: PyValue;
}

/** A parser for the header's small Python-literal subset: a dict of strings, booleans, ints and int tuples. */
function parseHeader(text: string, label: string): PyDict {
  let i = 0;
  let depth = 0;
  const fail = (what: string): never => {
    // JSON.stringify escapes newlines and control characters, so the message stays one line.
    const shown = JSON.stringify(text.trim().slice(0, 120));
    throw new NpyError(`${label}: malformed .npy header (${what} at character ${i}): ${shown}`);
  };
  const enter = () => {
    if (++depth > NPY_LIMITS.maxDepth) fail(`nesting deeper than ${NPY_LIMITS.maxDepth} levels`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === "{") {
      enter();
      i++;
      const out: PyDict = Object.create(null) as PyDict;
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          depth--;
          return out;
        }
        const key = value();
        if (typeof key !== "string") fail("a non-string key");
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        out[key as string] = value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      enter();
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          depth--;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    if (/^-?\d*\.\d|^-?\d+[eE]/.test(text.slice(i, i + 32))) fail("a non-integer number");
    const word = /^(True|False|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!word) return fail("unexpected input");
    i += word[0].length;
    if (word[0] === "True") return true;
    if (word[0] === "False") return false;
    // NOTE: Python 2 era files write dimensions as `3L`.
    return Number.parseInt(word[0], 10);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  if (typeof v !== "object" || Array.isArray(v)) return fail("expected a dict");
  return v;
}

const DTYPE_HINT = "save it as float32: np.save(path, np.ascontiguousarray(a, dtype='<f4'))";

/** numpy's names of the dtypes read here, by kind letter and item size. */
const NUMERIC: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  f: { 2: "float16", 4: "float32", 8: "float64" },
  i: { 1: "int8", 2: "int16", 4: "int32", 8: "int64" },
  u: { 1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64" },
  b: { 1: "bool" },
};

/** Why the other dtype kinds are refused: none has a float32 value per element. */
const REFUSED_KINDS: Readonly<Record<string, string>> = {
  c: "complex numbers; save the real part (a.real) or the parts as separate inputs",
  U: "unicode strings",
  S: "byte strings",
  a: "byte strings",
  O: "Python objects, which only unpickling could read (fusegraph never unpickles)",
  M: "datetimes",
  m: "time deltas",
  V: "raw bytes (void)",
};

const ACCEPTED = "float16/32/64, int8-64, uint8-64 and bool, either byte order";

/** A dtype this reader converts: how to read one element at a byte offset, and what it is called. */
interface Dtype {
  descr: string;
  name: string;
  itemSize: number;
  integer: boolean;
  read(view: DataView, at: number): number;
  /** For 64-bit integers, the exact value, to tell whether float32 rounded it. */
  exact?(view: DataView, at: number): bigint;
}

/** IEEE 754 half precision to a number (DataView has no getFloat16 before Node 24). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The dtype of a `descr` such as `<f4`, `>i2`, `|b1`, or an NpyError saying why it is refused. */
function parseDtype(descr: PyValue, label: string): Dtype {
  if (typeof descr !== "string") {
    throw new NpyError(
      `${label} holds a structured dtype (named fields); expected one plain numeric array. Hint: save one field at a time, ${DTYPE_HINT}`,
    );
  }
  // `|O`, `<M8[ns]` and `<U3` match too, to name their kind in the refusal.
  const m = /^([<>=|])([a-zA-Z])(\d*)(.*)$/.exec(descr);
  const kind = m?.[2] ?? "";
  const itemSize = m?.[4] === "" ? Number(m[3]) : 0;
  const name = NUMERIC[kind]?.[itemSize];
  const order = m?.[1] ?? "";
  // '|' (not applicable) is what numpy writes for 1-byte items; a wider item needs a byte order.
  if (!m || name === undefined || (order === "|" && itemSize > 1)) {
    const why = REFUSED_KINDS[kind];
    throw new NpyError(
      `${label} holds dtype '${descr}'${why ? ` (${why})` : ""}; expected a numeric dtype (${ACCEPTED}). Hint: ${DTYPE_HINT}`,
    );
  }
  const little = order === "<" || order === "|" || (order === "=" && endianness() === "LE");
  const base = {
    descr,
    name: little || itemSize === 1 ? name : `big-endian ${name}`,
    itemSize,
    integer: kind !== "f",
  };
  const reader = (read: Dtype["read"], exact?: Dtype["exact"]): Dtype => ({
    ...base,
    read,
    ...(exact ? { exact } : {}),
  });
  switch (`${kind}${itemSize}`) {
    case "f2":
      return reader((v, at) => halfToNumber(v.getUint16(at, little)));
    case "f4":
      return reader((v, at) => v.getFloat32(at, little));
    case "f8":
      return reader((v, at) => v.getFloat64(at, little));
    case "i1":
      return reader((v, at) => v.getInt8(at));
    case "i2":
      return reader((v, at) => v.getInt16(at, little));
    case "i4":
      return reader((v, at) => v.getInt32(at, little));
    case "i8":
      return reader(
        (v, at) => Number(v.getBigInt64(at, little)),
        (v, at) => v.getBigInt64(at, little),
      );
    case "u1":
      return reader((v, at) => v.getUint8(at));
    case "u2":
      return reader((v, at) => v.getUint16(at, little));
    case "u4":
      return reader((v, at) => v.getUint32(at, little));
    case "u8":
      return reader(
        (v, at) => Number(v.getBigUint64(at, little)),
        (v, at) => v.getBigUint64(at, little),
      );
    default: // b1
      return reader((v, at) => (v.getUint8(at) === 0 ? 0 : 1));
  }
}

/** The header's keys, checked as numpy's own reader checks them: exactly these three. */
const HEADER_KEYS = ["descr", "fortran_order", "shape"] as const;

/**
 * Reads a `.npy` file's bytes: a C-order array of float32, or of another numeric dtype converted to
 * float32 (float16/64, int8-64, uint8-64, bool, either byte order) with a note saying so. Anything else
 * is an NpyError naming the file, the rule, what it found and how to re-save the array.
 */
export function readNpy(bytes: Uint8Array, label = "<npy>"): NpyArray {
  if (bytes.length === 0) throw new NpyError(`${label} is empty; expected a .npy file (np.save writes one)`);
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw new NpyError(`${label} is not a .npy file (it does not start with \\x93NUMPY)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] ?? 0;
  if (major < 1 || major > 3) {
    throw new NpyError(
      `${label}: .npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0, 3.0 are)`,
    );
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const start = 8 + lengthBytes;
  if (start > bytes.length) throw new NpyError(`${label}: the .npy header is truncated`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > NPY_LIMITS.maxHeaderBytes) {
    throw new NpyError(
      `${label}: the .npy header is ${headerLength} bytes, more than ${NPY_LIMITS.maxHeaderBytes} (numpy's own limit); a float32 array's header is under 200`,
    );
  }
  if (start + headerLength > bytes.length) {
    throw new NpyError(
      `${label}: the .npy header is truncated (its length field says ${headerLength} bytes, the file has ${bytes.length - start} after it)`,
    );
  }
  const header = parseHeader(
    new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLength)),
    label,
  );
  const keys = Object.keys(header);
  const missing = HEADER_KEYS.filter((k) => !keys.includes(k));
  const extra = keys.filter((k) => !(HEADER_KEYS as readonly string[]).includes(k));
  if (missing.length > 0 || extra.length > 0) {
    const got = keys.map((k) => JSON.stringify(k)).join(", ") || "none";
    throw new NpyError(
      `${label}: the .npy header needs exactly the keys 'descr', 'fortran_order' and 'shape', it has ${got}`,
    );
  }
  const { descr, fortran_order: fortran, shape } = header;
  if (typeof fortran !== "boolean") {
    throw new NpyError(
      `${label}: 'fortran_order' in the .npy header is ${JSON.stringify(fortran)}, expected True or False`,
    );
  }
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number")) {
    throw new NpyError(
      `${label}: 'shape' in the .npy header is ${JSON.stringify(shape)}, expected a tuple of integers`,
    );
  }
  const dims = shape as number[];
  if (fortran) {
    throw new NpyError(
      `${label} is stored in Fortran (column-major) order; expected C order. Hint: np.save(path, np.ascontiguousarray(a))`,
    );
  }
  const bad = dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined) {
    throw new NpyError(
      `${label}: invalid shape (${dims.join(", ")}) in the .npy header: dimension ${bad} is not an integer in [0, 2^53)`,
    );
  }
  const dtype = parseDtype(descr as PyValue, label);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) {
    throw new NpyError(
      `${label}: shape (${dims.join(", ")}) declares ${count.toExponential(2)} values, more than ${MAX_ELEMENTS}`,
    );
  }
  const offset = start + headerLength;
  const available = bytes.length - offset;
  if (available !== count * dtype.itemSize) {
    throw new NpyError(
      `${label}: shape (${dims.join(", ")}) of ${dtype.name} needs ${count * dtype.itemSize} data bytes, the file has ${available}`,
    );
  }
  return convert(view, offset, count, dims, dtype, label);
}

/** The values as float32, with notes on the conversion and the counts of what it could not keep exactly. */
function convert(
  view: DataView,
  offset: number,
  count: number,
  shape: number[],
  dtype: Dtype,
  label: string,
): NpyArray {
  const data = new Float32Array(count);
  const notes: string[] = [];
  let overflowed = 0;
  let rounded = 0;
  const { itemSize, read, exact } = dtype;
  for (let k = 0; k < count; k++) {
    const at = offset + itemSize * k;
    const x = read(view, at);
    data[k] = x;
    const y = data[k]!;
    if (y === x || Number.isNaN(x)) continue;
    if (Number.isFinite(x) && !Number.isFinite(y)) overflowed++;
    else if (dtype.integer) rounded++;
  }
  if (exact) {
    // Number() of a 64-bit integer may already have rounded it: compare with the exact value instead.
    rounded = 0;
    for (let k = 0; k < count; k++) {
      if (BigInt(data[k]!) !== exact(view, offset + itemSize * k)) rounded++;
    }
  }
  if (dtype.descr !== "<f4" && !(dtype.descr === "=f4" && endianness() === "LE")) {
    notes.push(`${label}: converted ${dtype.name} ('${dtype.descr}') to float32`);
  }
  if (rounded > 0) {
    notes.push(
      `${label}: ${rounded} integer${rounded === 1 ? "" : "s"} beyond float32's exact range (|x| > 2^24) were rounded`,
    );
  }
  return { shape: [...shape], data, notes, overflowed };
}

/** The Python tuple literal numpy writes for a shape: `()`, `(3,)`, `(2, 3)`. */
function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** A `.npy` file of float32 little-endian values in C order: format 1.0, or 2.0 for a header over 64 KiB. */
export function writeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`shape [${shape.join(",")}] needs ${count} values, got ${data.length}`);
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  // Pad with spaces so magic + length + header + '\n' is a multiple of 64 (what numpy writes).
  const paddedFor = (prefix: number): number => Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const v1 = paddedFor(10) - 10 <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const padded = paddedFor(prefix);
  const headerLength = padded - prefix;
  const out = new Uint8Array(padded + 4 * count);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  if (v1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const header = `${dict}${" ".repeat(headerLength - dict.length - 1)}\n`;
  for (let k = 0; k < header.length; k++) out[prefix + k] = header.charCodeAt(k);
  for (let k = 0; k < count; k++) view.setFloat32(padded + 4 * k, data[k] ?? 0, true);
  return out;
}
