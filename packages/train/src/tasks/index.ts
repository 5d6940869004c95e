export { blobsTask } from "./blobs.js";
export { edgesTask } from "./edges.js";
export { EPSILON, type LossFn, lossFunction } from "./losses.js";
export { accuracy, type EdgeScore, edgeF1, meanIoU, meanSquaredError } from "./metrics.js";
export { getTask, taskNames, tasks } from "./registry.js";
export { sequenceTask } from "./sequence.js";
export { shapesTask } from "./shapes.js";
export type {
  LossKind,
  SupervisedOutput,
  Task,
  TaskBatch,
  TaskBinding,
  TaskBindingResult,
  TaskIssue,
  TaskMetric,
  TaskName,
} from "./types.js";
