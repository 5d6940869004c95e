import * as tf from "@tensorflow/tfjs";
import { ConfiguredLayer, firstShape, type LayerArgs, read, single, type TfShape } from "./base.js";

export interface DilatedConv2dTransposeConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  dilation: [number, number];
  useBias: boolean;
}

/** Inserts d-1 zeros between a kernel's taps along `axis` (0 or 1): k -> (k-1)*d+1. */
function dilate(kernel: tf.Tensor4D, axis: 0 | 1, d: number): tf.Tensor4D {
  if (d === 1) return kernel;
  const [kh, kw, f, c] = kernel.shape;
  const k = axis === 0 ? kh : kw;
  const spread = tf.pad(
    tf.expandDims(kernel, axis + 1),
    [0, 1, 2, 3, 4].map((a) => (a === axis + 1 ? [0, d - 1] : [0, 0])) as [number, number][],
  );
  const flat = axis === 0 ? tf.reshape(spread, [kh * d, kw, f, c]) : tf.reshape(spread, [kh, kw * d, f, c]);
  const eff = (k - 1) * d + 1;
  return tf.slice(flat, [0, 0, 0, 0], axis === 0 ? [eff, kw, f, c] : [kh, eff, f, c]) as tf.Tensor4D;
}

/**
 * Transposed convolution with dilation (tfjs's Conv2DTranspose has none): the kernel
 * [kh, kw, filters, C] is dilated with zeros and applied `valid`. Output length per axis, like
 * tfjs's `valid`: size*stride + max(effectiveK - stride, 0).
 */
export class DilatedConv2dTranspose extends ConfiguredLayer<DilatedConv2dTransposeConfig> {
  static className = "FusegraphDilatedConv2DTranspose";
  private kernel: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(args: LayerArgs & DilatedConv2dTransposeConfig) {
    const { filters, kernelSize, strides, dilation, useBias } = args;
    super(args, { filters, kernelSize, strides, dilation, useBias });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = firstShape(inputShape)[3] ?? 0;
    const [kh, kw] = this.cfg.kernelSize;
    this.kernel = this.addWeight("kernel", [kh, kw, this.cfg.filters, c], "float32", tf.initializers.zeros());
    if (this.cfg.useBias)
      this.bias = this.addWeight("bias", [this.cfg.filters], "float32", tf.initializers.zeros());
    this.built = true;
  }

  private length(size: number, i: 0 | 1): number {
    const s = this.cfg.strides[i];
    const eff = (this.cfg.kernelSize[i] - 1) * this.cfg.dilation[i] + 1;
    return size * s + Math.max(eff - s, 0);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    const [n = null, h = 0, w = 0] = firstShape(inputShape);
    return [n, this.length(h ?? 0, 0), this.length(w ?? 0, 1), this.cfg.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const [n, h, w] = x.shape;
      const k = dilate(
        dilate(read(this.kernel) as tf.Tensor4D, 0, this.cfg.dilation[0]),
        1,
        this.cfg.dilation[1],
      );
      const out: [number, number, number, number] = [
        n,
        this.length(h, 0),
        this.length(w, 1),
        this.cfg.filters,
      ];
      const y = tf.conv2dTranspose(x, k, out, this.cfg.strides, "valid");
      return this.bias ? tf.add(y, read(this.bias)) : y;
    });
  }
}
tf.serialization.registerClass(DilatedConv2dTranspose);
