/**
 * A minimal reader for the protobuf wire format (varint, 64-bit, length-delimited, 32-bit), enough to
 * decode ONNX's ModelProto and TensorProto without a protobuf dependency. Integers are little-endian
 * base-128 varints; negative int64 values arrive as 10-byte two's-complement varints.
 */

export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field of a message: its number, wire type and position of its value in the buffer. */
export interface WireField {
  field: number;
  wire: number;
  /** For varint fields: the value as a signed 64-bit integer. */
  int: bigint;
  /** For length-delimited fields: the payload; for fixed32/fixed64: the raw bytes. */
  bytes: Uint8Array;
}

/** Thrown when a buffer is not a well-formed protobuf message (truncated, unknown wire type). */
export class ProtobufError extends Error {
  override readonly name = "ProtobufError";
}

function readVarint(buf: Uint8Array, pos: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  let p = pos;
  for (;;) {
    if (p >= buf.length) throw new ProtobufError(`truncated varint at byte ${pos}`);
    const b = buf[p++] as number;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
    if (shift > 63n) throw new ProtobufError(`varint longer than 10 bytes at byte ${pos}`);
  }
  return { value: BigInt.asIntN(64, value), next: p };
}

/** Splits a message into its fields, in order of appearance. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const empty = new Uint8Array(0);
  while (pos < buf.length) {
    const key = readVarint(buf, pos);
    pos = key.next;
    const field = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (field === 0) throw new ProtobufError(`field number 0 at byte ${pos}`);
    switch (wire) {
      case WireType.varint: {
        const v = readVarint(buf, pos);
        pos = v.next;
        out.push({ field, wire, int: v.value, bytes: empty });
        break;
      }
      case WireType.fixed64:
      case WireType.fixed32: {
        const n = wire === WireType.fixed64 ? 8 : 4;
        if (pos + n > buf.length) throw new ProtobufError(`truncated fixed${n * 8} field ${field}`);
        out.push({ field, wire, int: 0n, bytes: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      case WireType.bytes: {
        const len = readVarint(buf, pos);
        pos = len.next;
        const end = pos + Number(len.value);
        if (len.value < 0n || end > buf.length) {
          throw new ProtobufError(`length-delimited field ${field} runs past the end of the buffer`);
        }
        out.push({ field, wire, int: 0n, bytes: buf.subarray(pos, end) });
        pos = end;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire} for field ${field}`);
    }
  }
  return out;
}

const utf8 = new TextDecoder("utf-8");

export function fieldString(f: WireField): string {
  return utf8.decode(f.bytes);
}

export function fieldFloat(f: WireField): number {
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

/** A repeated int64 field, packed (one bytes field of varints) or not (one varint per element). */
export function repeatedInts(f: WireField): number[] {
  if (f.wire === WireType.varint) return [Number(f.int)];
  const out: number[] = [];
  let pos = 0;
  while (pos < f.bytes.length) {
    const v = readVarint(f.bytes, pos);
    out.push(Number(v.value));
    pos = v.next;
  }
  return out;
}

/** A repeated float field, packed or not (fixed32 each). */
export function repeatedFloats(f: WireField): number[] {
  if (f.wire === WireType.fixed32) return [fieldFloat(f)];
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= f.bytes.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

/** A repeated double field, packed or not (fixed64 each). */
export function repeatedDoubles(f: WireField): number[] {
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= f.bytes.length; i += 8) out.push(view.getFloat64(i, true));
  return out;
}
