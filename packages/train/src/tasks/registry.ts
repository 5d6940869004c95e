import { blobsTask } from "./blobs.js";
import { edgesTask } from "./edges.js";
import { sequenceTask } from "./sequence.js";
import { shapesTask } from "./shapes.js";
import type { Task, TaskName } from "./types.js";

/** The bundled synthetic tasks, by name. */
export const tasks: Readonly<Record<TaskName, Task>> = Object.freeze({
  shapes: shapesTask,
  edges: edgesTask,
  blobs: blobsTask,
  sequence: sequenceTask,
} satisfies { [K in TaskName]: Task });

export const taskNames = Object.keys(tasks) as TaskName[];

export function getTask(name: string): Task | undefined {
  return Object.hasOwn(tasks, name) ? tasks[name as TaskName] : undefined;
}
