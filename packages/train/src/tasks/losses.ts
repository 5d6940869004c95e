import * as tf from "@tensorflow/tfjs";
import type { LossKind } from "./types.js";

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] before a log, as Keras/tfjs-layers do. */
export const EPSILON = 1e-7;

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * The loss of a supervised output as a tfjs function returning a scalar: the mean over the batch and
 * every position (per-element for BCE/MSE, per class distribution for the categorical kinds). Built from
 * tfjs ops only, so it runs and differentiates on any backend. Numerically safe: probability forms
 * clip before the log; logit forms use log-sum-exp identities and never form a probability.
 */
export function lossFunction(kind: LossKind): LossFn {
  switch (kind) {
    case "binaryCrossentropy":
      return (y, p) => tf.tidy(() => tf.mean(bceProbabilities(y, p)));
    case "binaryCrossentropyFromLogits":
      return (y, z) => tf.tidy(() => tf.mean(bceLogits(y, z)));
    case "balancedBinaryCrossentropy":
      return (y, p) => tf.tidy(() => tf.mean(tf.mul(balanceWeights(y), bceProbabilities(y, p))));
    case "balancedBinaryCrossentropyFromLogits":
      return (y, z) => tf.tidy(() => tf.mean(tf.mul(balanceWeights(y), bceLogits(y, z))));
    case "categoricalCrossentropy":
      return (y, p) => tf.tidy(() => tf.mean(cceProbabilities(y, p)));
    case "categoricalCrossentropyFromLogits":
      return (y, z) => tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z, -1)), -1))));
    case "sparseCategoricalCrossentropy":
      return (y, p) =>
        tf.tidy(() => {
          const classes = p.shape[p.shape.length - 1] ?? 1;
          // Labels are class indices of shape [..] or [.., 1]; either way one-hot along a new last axis.
          const ids = y.rank === p.rank ? tf.squeeze(y, [-1]) : y;
          return tf.mean(cceProbabilities(tf.oneHot(tf.cast(ids, "int32"), classes).toFloat(), p));
        });
    case "meanSquaredError":
      return (y, p) => tf.tidy(() => tf.mean(tf.squaredDifference(y, p)));
    default:
      return assertNever(kind);
  }
}

/** -(y log p + (1-y) log(1-p)) per element, p clipped. */
function bceProbabilities(y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  const c = tf.clipByValue(p, EPSILON, 1 - EPSILON);
  return tf.neg(tf.add(tf.mul(y, tf.log(c)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, c)))));
}

/** The same from logits z: max(z, 0) - z·y + log(1 + e^-|z|), exact and overflow-free. */
function bceLogits(y: tf.Tensor, z: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/**
 * HED's class balance per sample: positives weigh β = |Y-|/|Y|, negatives 1 - β = |Y+|/|Y|, counted
 * over each sample's elements (all axes but the batch), so rare edge pixels are not drowned out.
 */
function balanceWeights(y: tf.Tensor): tf.Tensor {
  const axes = Array.from({ length: Math.max(0, y.rank - 1) }, (_, i) => i + 1);
  const perSample = axes.length === 0 ? y.size : y.size / (y.shape[0] ?? 1);
  const beta = tf.sub(1, tf.div(axes.length === 0 ? tf.sum(y) : tf.sum(y, axes, true), perSample));
  return tf.add(tf.mul(beta, y), tf.mul(tf.sub(1, beta), tf.sub(1, y)));
}

/** -Σ_c y_c log p_c over the last axis, p renormalised and clipped as tfjs-layers does. */
function cceProbabilities(y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  const norm = tf.div(p, tf.sum(p, -1, true));
  return tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(norm, EPSILON, 1 - EPSILON))), -1));
}

function assertNever(x: never): never {
  throw new Error(`unknown loss kind ${String(x)}`);
}
