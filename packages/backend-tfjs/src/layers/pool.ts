import * as tf from "@tensorflow/tfjs";
import { ConfiguredLayer, firstShape, type LayerArgs, single, type TfShape } from "./base.js";

export interface Pool2dConfig {
  pool: "max" | "avg";
  poolSize: [number, number];
  strides: [number, number];
  dilation: [number, number];
  /** Explicit [top, bottom, left, right] from the dsl's window rule. */
  pads: [number, number, number, number];
  /** Output H', W' from the dsl's window rule (ceilMode may add a partial last window). */
  outSize: [number, number];
  /** avg only: padded positions count in the divisor (positions past the padded input never do). */
  countIncludePad: boolean;
}

/**
 * Pooling with what tfjs's pooling layers lack: explicit pads, dilation, ceilMode and
 * countIncludePad. Pads are excluded from the max (padded with -inf); the average divides by the
 * number of counted positions under each window. Undilated windows run on tfjs's own valid pooling
 * over the explicitly padded input; dilated ones are built from one slice per window tap.
 */
export class Pool2d extends ConfiguredLayer<Pool2dConfig> {
  static className = "FusegraphPool2D";

  constructor(args: LayerArgs & Pool2dConfig) {
    const { pool, poolSize, strides, dilation, pads, outSize, countIncludePad } = args;
    super(args, { pool, poolSize, strides, dilation, pads, outSize, countIncludePad });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    const [n = null, , , c = null] = firstShape(inputShape);
    return [n, this.cfg.outSize[0], this.cfg.outSize[1], c];
  }

  /** Padded extent along an axis: the declared pads plus what the last (ceilMode) window needs. */
  private extent(size: number, i: 0 | 1): { before: number; after: number; declaredEnd: number } {
    const before = this.cfg.pads[2 * i] ?? 0;
    const declared = this.cfg.pads[2 * i + 1] ?? 0;
    const eff = ((this.cfg.poolSize[i] ?? 1) - 1) * (this.cfg.dilation[i] ?? 1) + 1;
    const need = ((this.cfg.outSize[i] ?? 1) - 1) * (this.cfg.strides[i] ?? 1) + eff;
    return { before, after: Math.max(declared, need - before - size), declaredEnd: before + size + declared };
  }

  /** Per output position, how many window taps land on counted positions. */
  private counts(h: number, w: number): tf.Tensor {
    const { poolSize, strides, dilation, outSize, countIncludePad } = this.cfg;
    const ey = this.extent(h, 0);
    const ex = this.extent(w, 1);
    const counted = (p: number, size: number, e: { before: number; declaredEnd: number }) =>
      countIncludePad ? p < e.declaredEnd : p >= e.before && p < e.before + size;
    const out = new Float32Array(outSize[0] * outSize[1]);
    for (let i = 0; i < outSize[0]; i++) {
      for (let j = 0; j < outSize[1]; j++) {
        let rows = 0;
        for (let a = 0; a < poolSize[0]; a++) if (counted(i * strides[0] + a * dilation[0], h, ey)) rows++;
        let cols = 0;
        for (let b = 0; b < poolSize[1]; b++) if (counted(j * strides[1] + b * dilation[1], w, ex)) cols++;
        out[i * outSize[1] + j] = rows * cols;
      }
    }
    return tf.tensor(out, [1, outSize[0], outSize[1], 1]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const { pool, poolSize, strides, dilation, outSize } = this.cfg;
      const ey = this.extent(h, 0);
      const ex = this.extent(w, 1);
      const fill = pool === "max" ? Number.NEGATIVE_INFINITY : 0;
      // Undilated windows: pad explicitly, then tfjs's own valid pooling (a native kernel with a gradient).
      if (dilation[0] === 1 && dilation[1] === 1) {
        const xp = tf.pad(
          x,
          [
            [0, 0],
            [ey.before, ey.after],
            [ex.before, ex.after],
            [0, 0],
          ],
          fill,
        ) as tf.Tensor4D;
        const pooled =
          pool === "max"
            ? tf.maxPool(xp, poolSize, strides, "valid")
            : tf.avgPool(xp, poolSize, strides, "valid");
        // Declared pads beyond what the windows need give extra positions at the end: keep outSize.
        const y = tf.slice(pooled, 0, [n, outSize[0], outSize[1], c]);
        return pool === "max" ? y : tf.div(tf.mul(y, poolSize[0] * poolSize[1]), this.counts(h, w));
      }
      return this.taps(x, ey, ex, fill);
    });
  }

  /**
   * Dilated windows, one slice per tap. sh-1 / sw-1 extra rows and columns at the end let every tap be a
   * plain slice of outSize*strides, reshaped to keep every stride-th element (stridedSlice has no gradient).
   */
  private taps(
    x: tf.Tensor4D,
    ey: { before: number; after: number },
    ex: { before: number; after: number },
    fill: number,
  ): tf.Tensor {
    const [n, h, w, c] = x.shape;
    const { pool, poolSize, strides, dilation, outSize } = this.cfg;
    const xp = tf.pad(
      x,
      [
        [0, 0],
        [ey.before, ey.after + strides[0] - 1],
        [ex.before, ex.after + strides[1] - 1],
        [0, 0],
      ],
      fill,
    );
    const [oh, ow] = outSize;
    const [sh, sw] = strides;
    let acc: tf.Tensor | undefined;
    for (let a = 0; a < poolSize[0]; a++) {
      for (let b = 0; b < poolSize[1]; b++) {
        let tap: tf.Tensor = tf.slice(xp, [0, a * dilation[0], b * dilation[1], 0], [n, oh * sh, ow * sw, c]);
        // Rows, then columns, each a rank <= 4 slice: tfjs-wasm slices higher ranks in plain JS.
        if (sh > 1) tap = tf.slice(tf.reshape(tap, [n * oh, sh, ow * sw, c]), 0, [n * oh, 1, ow * sw, c]);
        if (sw > 1) tap = tf.slice(tf.reshape(tap, [n * oh * ow, sw, c]), 0, [n * oh * ow, 1, c]);
        tap = tf.reshape(tap, [n, oh, ow, c]);
        acc = acc === undefined ? tap : pool === "max" ? tf.maximum(acc, tap) : tf.add(acc, tap);
      }
    }
    if (acc === undefined) throw new Error("empty pooling window");
    return pool === "max" ? acc : tf.div(acc, this.counts(h, w));
  }
}
tf.serialization.registerClass(Pool2d);
