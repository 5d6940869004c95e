// The one example each package README marks as tested, shared by packages/cli/test/package-readmes.test.ts
// (runs it from source and compares what it logs) and scripts/package-check.mjs (type-checks it against
// the packed packages in a fresh consumer project).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * The ```ts block right after `<!-- tested -->` and the ```text block right after the `<!-- output -->`
 * that follows it (what the example logs, line by line). Throws unless there is exactly one of each.
 */
export function testedExample(markdown, label = "README") {
  const code = [...markdown.matchAll(/^<!-- tested -->\n```ts\n([\s\S]*?)^```$/gm)];
  if (code.length !== 1) {
    throw new Error(`${label}: expected one \`<!-- tested -->\` ts block, found ${code.length}`);
  }
  const after = markdown.slice((code[0].index ?? 0) + code[0][0].length).replace(/^\s+/, "");
  const output = /^<!-- output -->\n```text\n((?:(?!```).*\n)*)```$/m.exec(after);
  if (output?.index !== 0) {
    throw new Error(`${label}: the tested block has no \`<!-- output -->\` text block right after it`);
  }
  return { code: code[0][1] ?? "", output: output[1] ?? "" };
}

/** Every published workspace package (not `private`), as its directory relative to the repo root. */
export function publishedWorkspaces(root = REPO_ROOT) {
  const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
  return readJson(join(root, "package.json")).workspaces.filter(
    (w) => readJson(join(root, w, "package.json")).private !== true,
  );
}

/** The tested example of the README of a workspace directory such as `packages/dsl`. */
export function workspaceExample(workspace, root = REPO_ROOT) {
  return testedExample(readFileSync(join(root, workspace, "README.md"), "utf8"), `${workspace}/README.md`);
}
