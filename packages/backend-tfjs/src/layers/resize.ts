import { resizeSource } from "@fusegraph/dsl/rules";
import * as tf from "@tensorflow/tfjs";
import { ConfiguredLayer, firstShape, type LayerArgs, single, type TfShape } from "./base.js";

export interface ResizeConfig {
  size: [number, number];
  mode: "nearest" | "bilinear";
  alignCorners: boolean;
}

interface AxisTaps {
  lo: tf.Tensor1D;
  hi: tf.Tensor1D;
  frac: number[];
}

/**
 * Spatial resize to `size` with the dsl's `resizeSource` rule (nearest floor(d*n/m); bilinear
 * half-pixel or alignCorners). NOTE: built from gathers and a lerp rather than tf.image.resize*, so
 * the sampling positions are exactly the reference executor's on every tfjs backend and for any size
 * (tfjs computes the nearest ratio in float32 on some backends, which can round floor(d*n/m) down).
 */
export class Resize extends ConfiguredLayer<ResizeConfig> {
  static className = "FusegraphResize";

  constructor(args: LayerArgs & ResizeConfig) {
    super(args, { size: args.size, mode: args.mode, alignCorners: args.alignCorners });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    const [n = null, , , c = null] = firstShape(inputShape);
    return [n, this.cfg.size[0], this.cfg.size[1], c];
  }

  private taps(n: number, m: number): AxisTaps {
    const lo: number[] = [];
    const hi: number[] = [];
    const frac: number[] = [];
    for (let d = 0; d < m; d++) {
      const s = resizeSource(d, n, m, this.cfg.mode, this.cfg.alignCorners);
      const l = Math.floor(s);
      lo.push(l);
      hi.push(Math.min(n - 1, l + 1));
      frac.push(s - l);
    }
    return { lo: tf.tensor1d(lo, "int32"), hi: tf.tensor1d(hi, "int32"), frac };
  }

  private axis(x: tf.Tensor, axis: 1 | 2, m: number): tf.Tensor {
    const n = x.shape[axis] ?? 1;
    // Same size: every rule maps d -> d.
    if (n === m) return x;
    const t = this.taps(n, m);
    const lo = tf.gather(x, t.lo, axis);
    if (this.cfg.mode === "nearest") return lo;
    const hi = tf.gather(x, t.hi, axis);
    const shape = axis === 1 ? [1, m, 1, 1] : [1, 1, m, 1];
    const f = tf.tensor(t.frac, shape);
    return tf.add(lo, tf.mul(tf.sub(hi, lo), f));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      return this.axis(this.axis(x, 1, this.cfg.size[0]), 2, this.cfg.size[1]);
    });
  }
}
tf.serialization.registerClass(Resize);
