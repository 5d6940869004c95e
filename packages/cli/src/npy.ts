/**
 * NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), for
 * float32 tensors: the magic `\x93NUMPY`, a version (1.0: 2-byte header length, 2.0 and 3.0: 4-byte),
 * a Python-literal header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with
 * spaces to a 64-byte boundary and ended by `\n`, then the values in C order.
 */

import { MAX_ELEMENTS } from "@fusegraph/dsl";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Bounds on a header read: numpy itself refuses headers over 10,000 characters unless told otherwise
 * (`max_header_size` in `numpy.lib.format`), and a valid header nests two levels (a dict holding a tuple).
 */
export const NPY_LIMITS = { maxHeaderBytes: 10_000, maxDepth: 2 } as const;

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

type PyValue = string | number | boolean | number[] | PyDict;
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
      const out: PyDict = {};
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
      const items: number[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          depth--;
          return items;
        }
        const v = value();
        if (typeof v !== "number") fail("a non-integer dimension");
        items.push(v as number);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
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

/** Reads a float32 (or, converted, float64) little-endian C-order `.npy` file's bytes. */
export function readNpy(bytes: Uint8Array, label = "<npy>"): NpyArray {
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
  if (start + headerLength > bytes.length) throw new NpyError(`${label}: the .npy header is truncated`);
  const header = parseHeader(
    new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLength)),
    label,
  );
  const { descr, fortran_order: fortran, shape } = header;
  if (typeof descr !== "string" || typeof fortran !== "boolean" || !Array.isArray(shape)) {
    throw new NpyError(`${label}: the .npy header needs 'descr', 'fortran_order' and 'shape'`);
  }
  if (fortran) {
    throw new NpyError(
      `${label} is stored in Fortran (column-major) order; expected C order. Hint: np.save(path, np.ascontiguousarray(a))`,
    );
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new NpyError(`${label}: invalid shape (${shape.join(", ")}) in the .npy header`);
  }
  const itemSize = descr === "<f4" ? 4 : descr === "<f8" ? 8 : 0;
  if (itemSize === 0) {
    throw new NpyError(`${label} holds dtype '${descr}'; expected float32 ('<f4'). Hint: ${DTYPE_HINT}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) {
    throw new NpyError(
      `${label}: shape (${shape.join(", ")}) declares ${count.toExponential(2)} values, more than ${MAX_ELEMENTS}`,
    );
  }
  const offset = start + headerLength;
  const available = bytes.length - offset;
  if (available !== count * itemSize) {
    throw new NpyError(
      `${label}: shape (${shape.join(", ")}) needs ${count * itemSize} data bytes, the file has ${available}`,
    );
  }
  const data = new Float32Array(count);
  const notes: string[] = [];
  let overflowed = 0;
  if (itemSize === 4) {
    for (let k = 0; k < count; k++) data[k] = view.getFloat32(offset + 4 * k, true);
  } else {
    for (let k = 0; k < count; k++) {
      const x = view.getFloat64(offset + 8 * k, true);
      data[k] = x;
      if (Number.isFinite(x) && !Number.isFinite(data[k]!)) overflowed++;
    }
    notes.push(`${label}: converted float64 ('<f8') to float32`);
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
