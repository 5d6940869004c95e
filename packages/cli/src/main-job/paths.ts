import { isAbsolute, relative } from "node:path";
import type { JobSubject } from "./subjects.js";

/**
 * Where a subject's outputs go under the out dir: examples by name (`out/<name>/`, `out/<name>.svg`),
 * samples as `sample-<name>` so a sample never overwrites the example of the same name.
 */
export function outputName(subject: Pick<JobSubject, "name" | "origin">): string {
  return subject.origin === "sample" ? `sample-${subject.name}` : subject.name;
}

/** A path as the report shows it: relative to the working directory when inside it, else absolute. */
export function shownPath(cwd: string, path: string): string {
  const r = relative(cwd, path);
  return r.startsWith("..") || isAbsolute(r) ? path : r || ".";
}
