import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * `mkdir -p` that always ends: creates `dir` and its missing ancestors, one level at a time.
 *
 * NOTE: Node's `mkdir(dir, { recursive: true })` loops forever where mkdir keeps failing with ENOENT
 * although the parent exists (under /proc/self/, for one): it retries the parent, sees EEXIST and
 * tries the child again. Here each level is tried at most twice, so such a path fails with ENOENT.
 */
export async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      // A file in the way is ENOTDIR for whoever writes beneath it; say so here, where it is found.
      if (!(await stat(dir)).isDirectory())
        throw Object.assign(new Error(`${dir} is a file`), { code: "ENOTDIR" });
      return;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw e;
    await makeDirs(parent);
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}
