import { readFileSync } from "node:fs";
import { readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { makeDirs } from "@fusegraph/dsl/node";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode, fsReason, UsageError } from "../errors.js";

export interface InitOptions {
  scope?: string;
  name?: string;
}

/** npm's rules for a package name's parts (lowercase, URL-safe, no leading dot or underscore). */
const NAME = /^[a-z0-9][a-z0-9._~-]*$/;
const SCOPE = /^@[a-z0-9][a-z0-9._~-]*$/;

/** A package name from a directory's name: lowercase, other characters turned into `-`. */
function nameFromDir(abs: string): string {
  return basename(abs)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._~-]+/, "");
}

/** The block the scaffold shares; the example spec imports it by relative path. */
const BLOCKS_YAML = `# Blocks this package shares; package.json "fusegraph.blocks" names each one for other specs:
#   imports: { convBnRelu: "<package>/convBnRelu" }
fusegraph: 1
doc: Blocks shared by this package.

blocks:
  convBnRelu:
    doc: A 3x3 conv (no bias) -> batchNorm -> relu; strides 2 halves H and W.
    params: { filters: null, strides: 1 }
    nodes:
      conv: { op: conv2d, input: x, filters: $filters, kernelSize: 3, strides: $strides, padding: same, useBias: false }
      bn: { op: batchNorm, input: conv }
      relu: { op: activation, input: bn, fn: relu }
    output: relu
`;

function exampleSpec(name: string): string {
  return `# An example spec; add more under specs/ and list them in package.json "fusegraph.specs".
fusegraph: 1
name: ${name}
doc: A small residual classifier built from this package's convBnRelu block.
inputs:
  image: [32, 32, 3]

imports:
  convBnRelu: "./blocks.yaml#convBnRelu"

nodes:
  stem: { use: convBnRelu, input: image, with: { filters: 16 } }
  body: { use: convBnRelu, input: stem, repeat: 2, with: { filters: 16 } }
  sum: { merge: add, inputs: [stem, body] }
  pool: { op: globalAvgPool, input: sum }
  logits: { op: dense, input: pool, units: 10 }

outputs: [logits]
`;
}

/** Runs `fusegraph check` on every spec package.json declares; exit 1 if any fails. */
const CHECK_SPECS = `// Runs \`fusegraph check\` on every spec this package declares (package.json "fusegraph.specs").
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const specs = Object.values(pkg.fusegraph?.specs ?? {});
let failed = 0;
for (const path of specs) {
  const r = spawnSync("fusegraph", ["check", path], { stdio: "inherit", shell: process.platform === "win32" });
  if (r.status !== 0) failed++;
}
console.log(\`\${specs.length - failed} of \${specs.length} specs pass fusegraph check\`);
process.exit(failed > 0 ? 1 : 0);
`;

const CHANGESET_CONFIG = `${JSON.stringify(
  {
    $schema: "../node_modules/@changesets/config/schema.json",
    changelog: "@changesets/cli/changelog",
    commit: false,
    fixed: [],
    linked: [],
    access: "public",
    baseBranch: "main",
    updateInternalDependencies: "patch",
    ignore: [],
  },
  null,
  2,
)}\n`;

function packageJson(pkgName: string, spec: string, cliVersion: string): string {
  const json = {
    name: pkgName,
    version: "0.1.0",
    description: `fusegraph specs and blocks: ${spec}`,
    type: "module",
    keywords: ["fusegraph", "fusegraph-spec"],
    // The YAML files are the package: publish them, and let Node (and fusegraph) read package.json.
    files: ["specs", "README.md"],
    exports: { "./package.json": "./package.json", "./specs/*.yaml": "./specs/*.yaml" },
    fusegraph: {
      specs: { [spec]: `./specs/${spec}.yaml` },
      blocks: { convBnRelu: "./specs/blocks.yaml#convBnRelu" },
    },
    scripts: { test: "node scripts/check-specs.mjs" },
    devDependencies: { "@fusegraph/cli": `^${cliVersion}` },
    publishConfig: { access: "public" },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function readme(pkgName: string, spec: string): string {
  return `# ${pkgName}

fusegraph specs and blocks, published as an npm package (a *spec package*).

- \`specs/${spec}.yaml\` — an example spec, declared in package.json \`fusegraph.specs\`.
- \`specs/blocks.yaml\` — the \`convBnRelu\` block, declared in \`fusegraph.blocks\`.

## Use it

\`\`\`sh
npm install ${pkgName}
npx fusegraph inspect ${pkgName}/${spec}
\`\`\`

and import its blocks into your own specs:

\`\`\`yaml
imports:
  convBnRelu: "${pkgName}/convBnRelu"
nodes:
  stem: { use: convBnRelu, input: image, with: { filters: 32, strides: 2 } }
\`\`\`

## Develop it

\`npm test\` runs \`fusegraph check\` on every spec in \`fusegraph.specs\`. Add a changeset
(\`npx changeset\`) for each change you publish.
`;
}

/** This CLI's version, for the scaffold's devDependency. */
function ownVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const v = (pkg as { version?: unknown }).version;
    return typeof v === "string" ? v : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** Refuses a path that is a file or a non-empty directory; true when the directory exists (empty). */
async function checkTarget(abs: string, shown: string): Promise<boolean> {
  let isDir: boolean;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    return false;
  }
  if (!isDir) throw new UsageError(`cannot init "${shown}": it is a file`);
  if ((await readdir(abs)).length > 0) {
    throw new UsageError(`cannot init "${shown}": the directory is not empty; give a new or empty directory`);
  }
  return true;
}

/**
 * `fusegraph init <dir>`: scaffolds a spec package. The files are written into a staged sibling
 * directory that is renamed into place, so `<dir>` is either untouched or complete.
 */
export async function runInit(dir: string, options: InitOptions, ctx: CommandContext): Promise<ExitCode> {
  const abs = resolve(ctx.io.cwd, dir);
  const name = options.name ?? nameFromDir(abs);
  if (!NAME.test(name)) {
    throw new UsageError(
      `cannot init: "${name}" is not a valid package name (lowercase letters, digits, . _ ~ -); give one with --name`,
    );
  }
  const scope = options.scope?.startsWith("@") ? options.scope : options.scope && `@${options.scope}`;
  if (scope !== undefined && !SCOPE.test(scope)) {
    throw new UsageError(`cannot init: "${options.scope}" is not a valid npm scope (e.g. --scope @acme)`);
  }
  const pkgName = scope ? `${scope}/${name}` : name;
  const exists = await checkTarget(abs, dir);
  const cliVersion = ownVersion();
  const files: [string, string][] = [
    ["package.json", packageJson(pkgName, name, cliVersion)],
    ["README.md", readme(pkgName, name)],
    [`specs/${name}.yaml`, exampleSpec(name)],
    ["specs/blocks.yaml", BLOCKS_YAML],
    ["scripts/check-specs.mjs", CHECK_SPECS],
    [".changeset/config.json", CHANGESET_CONFIG],
    [".gitignore", "node_modules/\n*.tgz\n"],
  ];
  const stage = join(dirname(abs), `.${basename(abs)}.fusegraph-init-${process.pid}`);
  try {
    for (const [path, text] of files) {
      await makeDirs(dirname(join(stage, path)));
      await writeFile(join(stage, path), text);
    }
    if (exists) {
      // NOTE: an existing (empty) directory may be the current one, so it is filled, not replaced.
      for (const entry of await readdir(stage)) await rename(join(stage, entry), join(abs, entry));
      await rm(stage, { recursive: true });
    } else await rename(stage, abs);
  } catch (e) {
    // NOTE: rm fails too (ENOTDIR, ENAMETOOLONG) where the stage could not be made; the cause is reported below.
    await rm(stage, { recursive: true, force: true }).catch(() => undefined);
    const reason =
      (e as NodeJS.ErrnoException).code === "ENOTEMPTY" ? "it appeared while writing" : fsReason(e);
    if (reason !== undefined) throw new UsageError(`cannot init "${dir}": ${reason}`);
    throw e;
  }
  const shown = relative(ctx.io.cwd, abs) || ".";
  ctx.io.stdout.write(
    [
      `created spec package ${pkgName} in ${shown}`,
      ...files.map(([path]) => `  ${path}`),
      "next:",
      `  cd ${shown} && npm install && npm test`,
      `  npx fusegraph inspect specs/${name}.yaml`,
      "",
    ].join("\n"),
  );
  return ExitCode.ok;
}

export function registerInit(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("init")
    .summary("scaffold a spec package (specs and blocks to publish on npm)")
    .description(
      "Create a spec package in <dir>: package.json with a `fusegraph` field declaring its specs and\n" +
        "blocks, specs/ with an example spec and block, a README, a `test` script that runs\n" +
        "`fusegraph check` on every spec, and a changesets config. <dir> must be new or empty.",
    )
    .argument("<dir>", "the directory to create (new or empty)")
    .option("--scope <scope>", "npm scope of the package, e.g. @acme")
    .option("--name <name>", "package name without the scope (default: the directory's name)")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph init vision-blocks --scope @acme",
        "  $ mkdir my-specs && cd my-specs && fusegraph init . --name my-specs   # . must be empty",
        "",
        "Exit codes: 0 ok, 2 usage error (a non-empty directory, a bad name).",
      ].join("\n"),
    )
    .action(async (dir: string, options: InitOptions) => done(await runInit(dir, options, ctx())));
}
