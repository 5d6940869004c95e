import { windowAxis } from "@fusegraph/dsl/rules";
import * as tf from "@tensorflow/tfjs";
import { ConfiguredLayer, firstShape, type LayerArgs, read, single, type TfShape } from "./base.js";

export interface GroupConv2dConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: "valid" | "same";
  groups: number;
  useBias: boolean;
}

/**
 * Grouped convolution (tfjs layers has none): channels split into `groups`, each convolved with its
 * slice of the filters, results concatenated. Kernel [kh, kw, C/groups, filters] as in docs/ops.md,
 * so filter f belongs to group floor(f / (filters/groups)).
 */
export class GroupConv2d extends ConfiguredLayer<GroupConv2dConfig> {
  static className = "FusegraphGroupConv2D";
  private kernel: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(args: LayerArgs & GroupConv2dConfig) {
    const { filters, kernelSize, strides, dilation, padding, groups, useBias } = args;
    super(args, { filters, kernelSize, strides, dilation, padding, groups, useBias });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = firstShape(inputShape)[3] ?? 0;
    const {
      kernelSize: [kh, kw],
      groups,
      filters,
    } = this.cfg;
    this.kernel = this.addWeight("kernel", [kh, kw, c / groups, filters], "float32", tf.initializers.zeros());
    if (this.cfg.useBias) this.bias = this.addWeight("bias", [filters], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    const [n = null, h = 0, w = 0] = firstShape(inputShape);
    const { kernelSize, strides, dilation, padding, filters } = this.cfg;
    const axis = (size: number, i: 0 | 1) =>
      windowAxis(size, kernelSize[i], strides[i], dilation[i], padding).out;
    return [n, axis(h ?? 0, 0), axis(w ?? 0, 1), filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const { groups, strides, padding, dilation } = this.cfg;
      const xs = tf.split(x, groups, 3);
      const ks = tf.split(read(this.kernel) as tf.Tensor4D, groups, 3);
      const ys = xs.map((xi, g) =>
        tf.conv2d(xi as tf.Tensor4D, ks[g] as tf.Tensor4D, strides, padding, "NHWC", dilation),
      );
      const y = ys.length === 1 ? (ys[0] as tf.Tensor) : tf.concat(ys, 3);
      return this.bias ? tf.add(y, read(this.bias)) : y;
    });
  }
}
tf.serialization.registerClass(GroupConv2d);
