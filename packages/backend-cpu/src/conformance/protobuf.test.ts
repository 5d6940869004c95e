import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fieldFloat,
  ProtobufError,
  readFields,
  repeatedFloats,
  repeatedInts,
  type WireField,
} from "./protobuf.js";

/** Test-side encoder (independent of the reader): base-128 varint of a signed 64-bit value. */
function varint(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    const b = Number(u & 0x7fn);
    u >>= 7n;
    out.push(u > 0n ? b | 0x80 : b);
  } while (u > 0n);
  return out;
}

describe("protobuf wire reader", () => {
  it("reads the documented example: field 1 varint 150 is 08 96 01", () => {
    const [f] = readFields(Uint8Array.from([0x08, 0x96, 0x01]));
    expect(f?.field).toBe(1);
    expect(f?.int).toBe(150n);
  });

  it("reads a negative int64 from its 10-byte two's-complement varint", () => {
    const bytes = Uint8Array.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const [f] = readFields(bytes);
    expect(f?.field).toBe(3);
    expect(f?.int).toBe(-1n);
  });

  it("round-trips any int64 through varint encoding", () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.integer({ min: 1, max: 2000 }), (v, field) => {
        const bytes = Uint8Array.from([...varint(BigInt(field) << 3n), ...varint(v)]);
        const [f] = readFields(bytes);
        expect(f?.field).toBe(field);
        expect(f?.int).toBe(v);
      }),
    );
  });

  it("reads length-delimited, fixed32 and packed repeated fields", () => {
    const f32 = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const bytes = Uint8Array.from([
      0x12,
      0x03,
      0x61,
      0x62,
      0x63, // field 2 "abc"
      0x1d,
      ...f32.subarray(0, 4), // field 3 fixed32 1.5
      0x22,
      0x08,
      ...f32, // field 4 packed floats [1.5, -2]
      0x2a,
      0x03,
      0x01,
      0x96,
      0x01, // field 5 packed varints [1, 150]
    ]);
    const fields = readFields(bytes);
    expect(fields.map((f) => f.field)).toEqual([2, 3, 4, 5]);
    expect(new TextDecoder().decode(fields[0]?.bytes)).toBe("abc");
    expect(fieldFloat(fields[1] as WireField)).toBe(1.5);
    expect(repeatedFloats(fields[2] as WireField)).toEqual([1.5, -2]);
    expect(repeatedInts(fields[3] as WireField)).toEqual([1, 150]);
  });

  it("rejects truncated and malformed input", () => {
    expect(() => readFields(Uint8Array.from([0x08, 0x96]))).toThrow(ProtobufError);
    expect(() => readFields(Uint8Array.from([0x12, 0x05, 0x61]))).toThrow(/past the end/);
    expect(() => readFields(Uint8Array.from([0x1b]))).toThrow(/wire type 3/);
    expect(() => readFields(Uint8Array.from([0x1d, 0x00]))).toThrow(/truncated fixed32/);
  });
});
