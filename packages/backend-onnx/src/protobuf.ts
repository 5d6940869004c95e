/**
 * A minimal protocol-buffers writer: just the wire types ONNX's messages use (varint, 32-bit float and
 * length-delimited). A writer keeps a list of byte chunks: an embedded message or a large byte field
 * (a weight's raw data) is referenced, not copied, so a model of hundreds of megabytes is copied once,
 * by `finish()`.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();
/** Small fields are gathered in a scratch buffer of this size before they become a chunk. */
const SCRATCH = 256;

/** Protobuf field writers over a chunk list; `length` is the encoded size so far. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(SCRATCH);
  private used = 0;
  /** Encoded size in bytes. */
  length = 0;

  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.used));
    this.scratch = new Uint8Array(SCRATCH);
    this.used = 0;
  }

  private byte(b: number): void {
    if (this.used === SCRATCH) this.flush();
    this.scratch[this.used++] = b;
    this.length++;
  }

  /**
   * An unsigned or two's-complement varint. Values are exact integers within ±2^53; a negative value is
   * written as its 64-bit two's complement (10 bytes), as protobuf's int64 requires.
   */
  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint ${value} is not a safe integer`);
    if (value >= 0 && value < 2 ** 31) {
      let v = value;
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** Appends bytes by reference (the caller must not change them before `finish()`). */
  private raw(bytes: Uint8Array): void {
    if (bytes.length <= SCRATCH - this.used) {
      this.scratch.set(bytes, this.used);
      this.used += bytes.length;
      this.length += bytes.length;
      return;
    }
    this.flush();
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** An int64/int32/enum field (written even when 0: proto2 keeps explicit presence). */
  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** Repeated int64, one tag per element (proto2's unpacked encoding, which every parser accepts). */
  ints(field: number, values: readonly number[]): this {
    for (const v of values) this.int(field, v);
    return this;
  }

  /** A 32-bit float field, little endian. */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.raw(b);
    return this;
  }

  /** A length-delimited field of bytes, referenced until `finish()`. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Writes the string unless it is empty (absent and empty decode alike). */
  optString(field: number, value: string | undefined): this {
    return value ? this.string(field, value) : this;
  }

  /** An embedded message: its chunks are taken over, not copied. */
  message(field: number, child: ProtoWriter): this {
    this.tag(field, WIRE_LEN);
    this.varint(child.length);
    this.flush();
    child.flush();
    for (const c of child.chunks) this.chunks.push(c);
    this.length += child.length;
    return this;
  }

  /** The encoded message, in one new array. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
