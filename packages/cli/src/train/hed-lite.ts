/**
 * hed-lite.yaml, shown on docs/ablation.md for users to save: tiny-hed (packages/cli/samples) with the
 * fusion as HED's paper draws it, a concat of the side maps then a 1x1 conv. Switching that concat to
 * weightedAdd or add keeps the 1x1 conv, so all three fusions fit the edges task.
 */
export const HED_LITE_FILE = "hed-lite.yaml";

export const HED_LITE_YAML = `# hed-lite: tiny-hed with HED's fusion written as the paper draws it, a concat of the side maps then a
# 1x1 conv, so that \`ablate --merge concat,weightedAdd,add\` compares concat+1x1 with the lighter fusions.
fusegraph: 1
name: hed-lite
doc: Three-stage HED; side outputs upsampled to full size, concatenated and fused by a 1x1 conv.
inputs:
  image: [64, 64, 3]
nodes:
  # Stage 1 at full resolution.
  s1.conv: { op: conv2d, input: image, filters: 8, kernelSize: 3, padding: same } # 64x64x8
  s1.relu: { op: activation, input: s1.conv, fn: relu }
  side1: { op: conv2d, input: s1.relu, filters: 1, kernelSize: 1 } # 64x64x1

  # Stage 2 at 1/2 resolution; its side map is upsampled back (bilinear, as HED's deconvolution).
  s2.pool: { op: maxPool, input: s1.relu, poolSize: 2 } # 32x32x8
  s2.conv: { op: conv2d, input: s2.pool, filters: 16, kernelSize: 3, padding: same } # 32x32x16
  s2.relu: { op: activation, input: s2.conv, fn: relu }
  side2: { op: conv2d, input: s2.relu, filters: 1, kernelSize: 1 } # 32x32x1
  side2.up: { op: upsample, input: side2, factor: 2, mode: bilinear } # 64x64x1

  # Stage 3 at 1/4 resolution.
  s3.pool: { op: maxPool, input: s2.relu, poolSize: 2 } # 16x16x16
  s3.conv: { op: conv2d, input: s3.pool, filters: 16, kernelSize: 3, padding: same } # 16x16x16
  s3.relu: { op: activation, input: s3.conv, fn: relu }
  side3: { op: conv2d, input: s3.relu, filters: 1, kernelSize: 1 } # 16x16x1
  side3.up: { op: upsample, input: side3, factor: 4, mode: bilinear } # 64x64x1

  # HED's own fusion layer: the side maps concatenated (64x64x3), then a learned 1x1 conv to one map.
  fuse.cat: { merge: concat, inputs: [side1, side2.up, side3.up] } # 64x64x3
  fuse: { op: conv2d, input: fuse.cat, filters: 1, kernelSize: 1 } # 64x64x1

  # Every side map and the fused map get a sigmoid: HED supervises all four (deep supervision).
  fuse.prob: { op: activation, input: fuse, fn: sigmoid }
  side1.prob: { op: activation, input: side1, fn: sigmoid }
  side2.prob: { op: activation, input: side2.up, fn: sigmoid }
  side3.prob: { op: activation, input: side3.up, fn: sigmoid }
outputs: [fuse.prob, side1.prob, side2.prob, side3.prob]
`;
