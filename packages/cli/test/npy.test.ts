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
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
      /dtype '<i4'; expected float32 \('<f4'\)/,
    ],
    ["{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", /dtype '>f4'; expected float32/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", /needs 36 data bytes, the file has 24/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", /malformed \.npy header/],
    ["{'descr': '<f4', 'shape': (2, 3), }", /needs 'descr', 'fortran_order' and 'shape'/],
  ])("rejects %s with a clear message", (dict, message) => {
    expect(() => readNpy(numpyFixture(dict), "bad.npy")).toThrow(NpyError);
    expect(() => readNpy(numpyFixture(dict), "bad.npy")).toThrow(message);
  });

  it("bounds the header: nesting and size are refused before any recursion", () => {
    // A header nested 100,000 deep fits no real header; its declared length alone refuses it.
    const deep = `{'descr': ${"(".repeat(100_000)}`;
    expect(() => readNpy(numpyFixture(deep, [2, 0], []), "deep.npy")).toThrow(
      /deep\.npy: the \.npy header is \d+ bytes, more than 10000/,
    );
    // Within the size bound, nesting beyond a dict holding a tuple is refused by depth.
    const nested = "{'descr': '<f4', 'fortran_order': False, 'shape': ((((2,),),),), }";
    expect(() => readNpy(numpyFixture(nested), "n.npy")).toThrow(/nesting deeper than 2 levels/);
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
