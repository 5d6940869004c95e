// A fresh project outside the workspace with every published @fusegraph package installed from the
// tarballs `npm pack` makes, the way a user gets them. Shared by consumer-check.mjs and package-check.mjs.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { publishedWorkspaces, REPO_ROOT } from "./readme-examples.mjs";

export { REPO_ROOT };
/** Every published workspace package (they depend on each other, so they install together). */
export const PACKAGES = publishedWorkspaces();

/** Runs a command and returns its stdout; throws with both streams when it fails. */
export function run(cmd, args, cwd, env = process.env) {
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${e.status ?? e.signal}) in ${cwd}:\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}

/**
 * Packs every published workspace into `dir` (run after `npm run build`: the tarballs carry dist/).
 * Returns npm's pack report per package plus the workspace it came from and the tarball's path.
 */
export function packWorkspaces(dir) {
  mkdirSync(dir, { recursive: true });
  const packed = JSON.parse(
    run(
      "npm",
      ["pack", "--json", "--pack-destination", dir, ...PACKAGES.flatMap((p) => ["-w", p])],
      REPO_ROOT,
    ),
  );
  return packed.map((p, i) => ({ ...p, workspace: PACKAGES[i], tarball: join(dir, p.filename) }));
}

/**
 * Packs the workspaces into `work/packs` and installs them into a new project `work/app` together with
 * `dependencies` (e.g. a tfjs version). Returns the app directory and the pack reports.
 */
export function createConsumer(work, dependencies) {
  const packs = packWorkspaces(join(work, "packs"));
  const app = join(work, "app");
  mkdirSync(app);
  const tarballs = Object.fromEntries(packs.map((p) => [p.name, `file:${p.tarball}`]));
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "fusegraph-consumer",
        private: true,
        type: "module",
        dependencies: { ...dependencies, ...tarballs },
      },
      null,
      2,
    ),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], app);
  return { app, packs };
}
