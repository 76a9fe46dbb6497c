/**
 * A minimal protobuf wire-format writer: just what ONNX's ModelProto needs (varints, fixed32,
 * length-delimited fields). Nested messages are kept as a list of chunks so that large byte fields
 * (initializer raw_data) are referenced, not copied, until the single final concatenation.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(256);
  private scratchUsed = 0;
  private flushedLength = 0;

  /** Total encoded length in bytes so far. */
  get length(): number {
    return this.flushedLength + this.scratchUsed;
  }

  private ensure(bytes: number): void {
    if (this.scratchUsed + bytes <= this.scratch.length) return;
    this.flushScratch();
    if (bytes > this.scratch.length) this.scratch = new Uint8Array(Math.max(bytes, this.scratch.length * 2));
  }

  private flushScratch(): void {
    if (this.scratchUsed === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.scratchUsed));
    this.flushedLength += this.scratchUsed;
    // The written part is now owned by `chunks`; keep writing into the unused tail when it is roomy.
    const rest = this.scratch.length - this.scratchUsed;
    this.scratch = rest >= 32 ? this.scratch.subarray(this.scratchUsed) : new Uint8Array(256);
    this.scratchUsed = 0;
  }

  private byte(value: number): void {
    this.scratch[this.scratchUsed++] = value;
  }

  /** Unsigned or negative (two's complement, 10 bytes) 64-bit varint. */
  rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
      this.ensure(5);
      let v = value;
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint((field << 3) | wireType);
  }

  /** int32 / int64 / enum / bool field. */
  varint(field: number, value: number | bigint | boolean): void {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset).setFloat32(this.scratchUsed, value, true);
    this.scratchUsed += 4;
  }

  /** A bytes field; the array is referenced, not copied (do not mutate it before `finish`). */
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.append(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, textEncoder.encode(value));
  }

  /** A nested message, written by `write` into a child writer. */
  message(field: number, write: (writer: ProtoWriter) => void): void {
    const child = new ProtoWriter();
    write(child);
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(child.length);
    child.flushScratch();
    this.flushScratch();
    for (const chunk of child.chunks) this.chunks.push(chunk);
    this.flushedLength += child.flushedLength;
  }

  /** Packed repeated varints (proto3 default for repeated scalars). */
  packedVarints(field: number, values: ReadonlyArray<number | bigint>): void {
    if (values.length === 0) return;
    this.message(field, (w) => {
      for (const v of values) w.rawVarint(v);
    });
  }

  /** Packed repeated floats. */
  packedFloats(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    this.bytes(field, data);
  }

  private append(value: Uint8Array): void {
    if (value.length <= 64) {
      this.ensure(value.length);
      this.scratch.set(value, this.scratchUsed);
      this.scratchUsed += value.length;
      return;
    }
    this.flushScratch();
    this.chunks.push(value);
    this.flushedLength += value.length;
  }

  /** The encoded message as one contiguous array. */
  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.flushedLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
