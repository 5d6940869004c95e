import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NpyError, readNpy, writeNpy } from "../src/npy.js";

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/**
 * What `np.save(f, np.array([[1, 2, 3], [4, 5, 6]], dtype='<f4'))` writes, byte by byte: the magic,
 * version 1.0, header length 118 (uint16 LE), the dict padded with spaces so that 10 + 118 = 128 is a
 * multiple of 64, a newline, then six little-endian float32s.
 */
function numpyFixture(dict: string, version: [number, number] = [1, 0], data: number[] = [1, 2, 3, 4, 5, 6]) {
  const prefix = version[0] === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerLength = total - prefix;
  const lengthBytes =
    version[0] === 1
      ? [headerLength & 0xff, headerLength >> 8]
      : [headerLength & 0xff, (headerLength >> 8) & 0xff, 0, 0];
  const header = `${dict}${" ".repeat(headerLength - dict.length - 1)}\n`;
  const values = new Uint8Array(new Float32Array(data).buffer);
  return new Uint8Array([0x93, ...ascii("NUMPY"), ...version, ...lengthBytes, ...ascii(header), ...values]);
}

const DICT_2x3 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

describe("writeNpy", () => {
  it("writes exactly the bytes numpy writes for a 2x3 float32 array", () => {
    const expected = numpyFixture(DICT_2x3);
    expect(expected.length).toBe(128 + 24);
    expect([...expected.subarray(0, 10)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
    const got = writeNpy([2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    expect([...got]).toEqual([...expected]);
    expect(got[127]).toBe(0x0a);
  });

  it("writes numpy's tuple forms for 1-d and 0-d shapes", () => {
    const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b.subarray(10, 128));
    expect(text(writeNpy([4], new Float32Array(4)))).toContain("'shape': (4,), }");
    expect(text(writeNpy([], new Float32Array([7])))).toContain("'shape': (), }");
  });

  it("refuses data that does not fill the shape", () => {
    expect(() => writeNpy([2, 2], new Float32Array(3))).toThrow(RangeError);
  });
});

describe("readNpy", () => {
  it("reads the numpy fixture", () => {
    const a = readNpy(numpyFixture(DICT_2x3));
    expect(a.shape).toEqual([2, 3]);
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.notes).toEqual([]);
  });

  it("reads format 2.0 (4-byte header length) and Python 2 `3L` dimensions", () => {
    const a = readNpy(numpyFixture("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", [2, 0]));
    expect(a.shape).toEqual([2, 3]);
    expect(a.data[5]).toBe(6);
  });

  it("converts float64 with a note", () => {
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const header = numpyFixture(dict, [1, 0], []);
    const bytes = new Uint8Array([...header, ...new Uint8Array(new Float64Array([0.5, -1.25]).buffer)]);
    const a = readNpy(bytes, "x.npy");
    expect([...a.data]).toEqual([0.5, -1.25]);
    expect(a.notes).toEqual(["x.npy: converted float64 ('<f8') to float32"]);
  });

  it.each([
    [
      "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
      /Fortran \(column-major\) order; expected C order/,
    ],
    [
      "{'descr': '<U3', 'fortran_order': False, 'shape': (2, 3), }",
      /dtype '<U3' \(unicode strings\); expected a numeric dtype \(float16\/32\/64, int8-64, uint8-64 and bool/,
    ],
    [
      "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }",
      /dtype '<c8' \(complex numbers; save the real part/,
    ],
    ["{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", /dtype '\|O' \(Python objects/],
    [
      "{'descr': '>f16', 'fortran_order': False, 'shape': (2, 3), }",
      /dtype '>f16'; expected a numeric dtype/,
    ],
    [
      "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }",
      /structured dtype \(named fields\)/,
    ],
    [
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }",
      /exactly the keys .* it has "descr", "fortran_order", "shape", "extra"/,
    ],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.0), }", /a non-integer number at character/],
    [
      "{'__proto__': {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}}",
      /exactly the keys .* it has "__proto__"/,
    ],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", /needs 36 data bytes, the file has 24/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", /malformed \.npy header/],
    [
      "{'descr': '<f4', 'shape': (2, 3), }",
      /needs exactly the keys 'descr', 'fortran_order' and 'shape', it has "descr", "shape"/,
    ],
  ])("rejects %s with a clear message", (dict, message) => {
    expect(() => readNpy(numpyFixture(dict), "bad.npy")).toThrow(NpyError);
    expect(() => readNpy(numpyFixture(dict), "bad.npy")).toThrow(message);
  });

  /** A header for `descr` and shape (4,) followed by `data`, the bytes of the values as numpy stores them. */
  const typed = (descr: string, data: ArrayBufferView) => {
    const header = numpyFixture(`{'descr': '${descr}', 'fortran_order': False, 'shape': (4,), }`, [1, 0], []);
    return new Uint8Array([...header, ...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
  };
  const bigEndian = (bytes: Uint8Array, size: number) => {
    const out = new Uint8Array(bytes.length);
    for (let k = 0; k < bytes.length; k++) out[k] = bytes[k - (k % size) + size - 1 - (k % size)]!;
    return out;
  };

  it.each([
    ["<f8", new Float64Array([0.5, -1.25, 3, 1e6]), [0.5, -1.25, 3, 1e6], "float64"],
    ["<i1", new Int8Array([-128, -1, 0, 127]), [-128, -1, 0, 127], "int8"],
    ["<i2", new Int16Array([-32768, -1, 0, 32767]), [-32768, -1, 0, 32767], "int16"],
    ["<i4", new Int32Array([-7, 0, 1, 16777216]), [-7, 0, 1, 16777216], "int32"],
    ["|u1", new Uint8Array([0, 1, 200, 255]), [0, 1, 200, 255], "uint8"],
    ["<u2", new Uint16Array([0, 1, 65535, 3]), [0, 1, 65535, 3], "uint16"],
    ["<u4", new Uint32Array([0, 1, 4294967295, 3]), [0, 1, 4294967296, 3], "uint32"],
    ["<i8", new BigInt64Array([-5n, 0n, 2n ** 40n, 9n]), [-5, 0, 2 ** 40, 9], "int64"],
    ["<u8", new BigUint64Array([0n, 1n, 2n ** 63n, 9n]), [0, 1, 2 ** 63, 9], "uint64"],
    // IEEE half bit patterns of 1, -2, 0.5 and 65504 (float16's largest), written out by hand.
    ["<f2", new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff]), [1, -2, 0.5, 65504], "float16"],
    ["|b1", new Uint8Array([0, 1, 2, 0]), [0, 1, 1, 0], "bool"],
  ] as const)("converts %s to float32 with a note", (descr, data, expected, name) => {
    const a = readNpy(typed(descr, data), "x.npy");
    expect([...a.data]).toEqual(expected);
    expect(a.notes[0]).toBe(`x.npy: converted ${name} ('${descr}') to float32`);
  });

  it("reads big-endian files, and half-precision subnormals, Infinity and NaN", () => {
    const le = new Uint8Array(new Float32Array([1.5, -2, 0, 1e30]).buffer);
    const a = readNpy(typed(">f4", bigEndian(le, 4)), "b.npy");
    expect([...a.data]).toEqual([1.5, -2, 0, Math.fround(1e30)]);
    expect(a.notes).toEqual(["b.npy: converted big-endian float32 ('>f4') to float32"]);
    const i = readNpy(typed(">i4", bigEndian(new Uint8Array(new Int32Array([1, -1, 300, 0]).buffer), 4)));
    expect([...i.data]).toEqual([1, -1, 300, 0]);
    // 0x0001 is the smallest subnormal, 2^-24; 0x7c00 is +Infinity; 0xfe00 a NaN.
    const h = readNpy(typed("<f2", new Uint16Array([0x0001, 0x7c00, 0xfc00, 0xfe00])));
    expect([...h.data]).toEqual([2 ** -24, Infinity, -Infinity, Number.NaN]);
    // Negative control: plain float32 is read as it is, without a note.
    expect(readNpy(typed("<f4", new Float32Array([1, 2, 3, 4]))).notes).toEqual([]);
  });

  it("counts integers that float32 rounds, exactly for 64-bit ones", () => {
    const a = readNpy(typed("<i4", new Int32Array([16777216, 16777217, -16777219, 5])), "r.npy");
    expect([...a.data]).toEqual([16777216, 16777216, -16777220, 5]);
    expect(a.notes).toContain("r.npy: 2 integers beyond float32's exact range (|x| > 2^24) were rounded");
    // 2^60 is exact in float32; 2^53 + 1 is not, though Number() alone would hide it.
    const b = readNpy(typed("<i8", new BigInt64Array([2n ** 60n, 2n ** 53n + 1n, 3n, 0n])), "r.npy");
    expect(b.notes).toContain("r.npy: 1 integer beyond float32's exact range (|x| > 2^24) were rounded");
    expect(readNpy(typed("<i4", new Int32Array([1, 2, 3, 4])), "r.npy").notes).toHaveLength(1);
  });

  it("bounds the header: nesting and size are refused before any recursion", () => {
    // A header nested 100,000 deep fits no real header; its declared length alone refuses it.
    const deep = `{'descr': ${"(".repeat(100_000)}`;
    expect(() => readNpy(numpyFixture(deep, [2, 0], []), "deep.npy")).toThrow(
      /deep\.npy: the \.npy header is \d+ bytes, more than 10000/,
    );
    // Within the size bound, nesting beyond a dict holding a tuple is refused by depth.
    const nested = "{'descr': '<f4', 'fortran_order': False, 'shape': ((((2,),),),), }";
    expect(() => readNpy(numpyFixture(nested), "n.npy")).toThrow(/nesting deeper than 3 levels/);
    // Negative control: the normal two levels parse.
    expect(readNpy(numpyFixture(DICT_2x3)).shape).toEqual([2, 3]);
  });

  it("keeps malformed-header messages on one line and short", () => {
    const dict = `{'descr': '<f4',\n 'fortran_order': False, 'shape': (2, 3), 'x': ${"9".repeat(500)}`;
    let message = "";
    try {
      readNpy(numpyFixture(dict), "m.npy");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^m\.npy: malformed \.npy header/);
    expect(message).not.toContain("\n");
    expect(message.length).toBeLessThan(300);
  });

  it.each([
    [
      "a file shorter than its version 2.0 length field",
      new Uint8Array([0x93, ...ascii("NUMPY"), 2, 0, 10, 0]),
      /header is truncated/,
    ],
    ["a header longer than the file", numpyFixture(DICT_2x3).subarray(0, 40), /header is truncated/],
    [
      "version 4.0",
      new Uint8Array([0x93, ...ascii("NUMPY"), 4, 0, 0, 0, 0, 0]),
      /format version 4\.0 is not supported/,
    ],
  ])("rejects %s", (_, bytes, message) => {
    expect(() => readNpy(bytes, "t.npy")).toThrow(NpyError);
    expect(() => readNpy(bytes, "t.npy")).toThrow(message);
  });

  it("refuses a declared shape above the element bound without allocating it", () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }";
    expect(() => readNpy(numpyFixture(dict), "big.npy")).toThrow(
      /declares 1\.00e\+15 values, more than 2147483647/,
    );
  });

  it("reads NaN and Infinity as they are, and counts float64 values beyond float32's range", () => {
    const a = readNpy(writeNpy([3], new Float32Array([Number.NaN, Infinity, 1])));
    expect([...a.data]).toEqual([Number.NaN, Infinity, 1]);
    expect(a.overflowed).toBe(0);
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    const header = numpyFixture(dict, [1, 0], []);
    const bytes = new Uint8Array([
      ...header,
      ...new Uint8Array(new Float64Array([1e39, -1e300, Infinity]).buffer),
    ]);
    const b = readNpy(bytes, "x.npy");
    expect([...b.data]).toEqual([Infinity, -Infinity, Infinity]);
    // The Infinity that was already one is not an overflow.
    expect(b.overflowed).toBe(2);
  });

  it("rejects a file without the magic", () => {
    expect(() => readNpy(new TextEncoder().encode("not numpy at all"), "x.npy")).toThrow(
      "x.npy is not a .npy file",
    );
  });

  it("round-trips any float32 array of any small shape", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }).chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.float32Array({
              minLength: shape.reduce((a, b) => a * b, 1),
              maxLength: shape.reduce((a, b) => a * b, 1),
            }),
          ),
        ),
        ([shape, data]) => {
          const bytes = writeNpy(shape, data);
          expect((bytes.length - data.length * 4) % 64).toBe(0);
          const back = readNpy(bytes);
          expect(back.shape).toEqual(shape);
          expect(new Uint8Array(back.data.buffer)).toEqual(new Uint8Array(data.buffer));
        },
      ),
    );
  });
});
