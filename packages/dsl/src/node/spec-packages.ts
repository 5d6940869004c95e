import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type {
  ImportFailure,
  ImportOrigin,
  ImportResolver,
  PackageRef,
  ResolvedImport,
} from "../document/imports.js";

/**
 * Spec packages: npm packages that declare specs and blocks in their package.json (docs/spec-packages.md):
 *
 *   "fusegraph": { "specs": { "resnet": "./specs/resnet.yaml" },
 *                  "blocks": { "bottleneck": "./specs/resnet-blocks.yaml#bottleneck" } }
 *
 * Packages are found with Node's own resolution (node_modules, workspaces, links) from the importing
 * file, or from the current directory for a spec named on the command line.
 */

/** A spec package's declarations, paths resolved to files. */
export interface SpecPackage {
  ref: PackageRef;
  dir: string;
  specs: ReadonlyMap<string, string>;
  /** Block name -> file and the block's name in it. */
  blocks: ReadonlyMap<string, { file: string; block: string }>;
}

/** A specifier split into package and entry name: `@scope/pkg/name` or `pkg/name`. */
export interface PackageSpecifier {
  packageName: string;
  entry: string | undefined;
}

const SCOPED = /^(@[a-z0-9][\w.~-]*\/[a-z0-9][\w.~-]*)(?:\/(.+))?$/i;
const UNSCOPED = /^([a-z0-9][\w.~-]*)(?:\/(.+))?$/i;

/** `@scope/pkg/name` or `pkg/name` (name optional), or undefined when it is not a package specifier. */
export function parsePackageSpecifier(specifier: string): PackageSpecifier | undefined {
  const m = SCOPED.exec(specifier) ?? (specifier.startsWith("@") ? null : UNSCOPED.exec(specifier));
  if (!m) return undefined;
  return { packageName: m[1] as string, entry: m[2] };
}

/** Relative (`./x.yaml#b`, `../x.yaml#b`) or absolute file specifiers. */
export function isFileSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || isAbsolute(specifier);
}

type Failure = ImportFailure;
const failure = (code: Failure["code"], message: string, hint?: string): Failure => ({
  ok: false,
  code,
  message,
  ...(hint !== undefined ? { hint } : {}),
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `file` lies inside `dir` (so a package's paths cannot point outside it). */
function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * Finds and reads `<name>/package.json` with Node's resolution from `fromFile`'s directory. A package
 * that is not installed, whose `exports` hide its package.json, or that declares no `fusegraph` field
 * is a failure naming the package and what to do.
 */
export function findSpecPackage(name: string, fromFile: string): SpecPackage | Failure {
  let pkgJson: string;
  try {
    pkgJson = createRequire(fromFile).resolve(`${name}/package.json`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      return failure(
        "import_error",
        `package "${name}" hides its package.json (its "exports" has no "./package.json")`,
        `add "./package.json": "./package.json" to the exports of ${name}, so its fusegraph field can be read`,
      );
    }
    return failure(
      "import_not_found",
      `package "${name}" is not installed (looked from ${dirname(fromFile)})`,
      `install it (npm install ${name}) or check the spelling`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(pkgJson, "utf8"));
  } catch (e) {
    return failure("import_error", `cannot read ${pkgJson}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const dir = dirname(pkgJson);
  const meta = isRecord(json) ? json : {};
  const ref: PackageRef = {
    name: typeof meta.name === "string" ? meta.name : name,
    version: typeof meta.version === "string" ? meta.version : "0.0.0",
  };
  const field = meta.fusegraph;
  if (!isRecord(field)) {
    return failure(
      "import_error",
      `package "${name}" is not a spec package: its package.json has no "fusegraph" field`,
      'a spec package declares "fusegraph": { "specs": {…}, "blocks": {…} } (see docs/spec-packages.md)',
    );
  }
  const specs = new Map<string, string>();
  const blocks = new Map<string, { file: string; block: string }>();
  for (const kind of ["specs", "blocks"] as const) {
    const table = field[kind];
    if (table === undefined) continue;
    if (!isRecord(table)) {
      return failure("import_error", `package "${name}": "fusegraph.${kind}" must map names to paths`);
    }
    for (const [key, target] of Object.entries(table)) {
      if (typeof target !== "string" || !target.startsWith("./")) {
        return failure(
          "import_error",
          `package "${name}": "fusegraph.${kind}.${key}" must be a "./" path inside the package`,
          `e.g. "./specs/${key}.yaml${kind === "blocks" ? `#${key}` : ""}"`,
        );
      }
      const [path = "", block] = target.split("#");
      const file = resolve(dir, path);
      if (!inside(dir, file)) {
        return failure(
          "import_error",
          `package "${name}": "fusegraph.${kind}.${key}" points outside the package`,
        );
      }
      if (kind === "specs") specs.set(key, file);
      else blocks.set(key, { file, block: block || key });
    }
  }
  return { ref, dir, specs, blocks };
}

/**
 * The spec package a file belongs to: the nearest package.json above it, when that declares a
 * `fusegraph` field (a user's own project, without one, owns no package name).
 */
function owningSpecPackage(file: string): Pick<SpecPackage, "dir" | "ref"> | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, "package.json"), "utf8");
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return undefined;
      }
      if (!isRecord(json) || !isRecord(json.fusegraph) || typeof json.name !== "string") return undefined;
      return {
        dir,
        ref: { name: json.name, version: typeof json.version === "string" ? json.version : "0.0.0" },
      };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** How messages name a package's file: `<package>/<path inside it>`. */
function packageLabel(pkg: Pick<SpecPackage, "dir" | "ref">, file: string): string {
  return `${pkg.ref.name}/${relative(pkg.dir, file).split(sep).join("/")}`;
}

function readText(file: string, what: string): { text: string } | Failure {
  try {
    return { text: readFileSync(file, "utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? failure("import_not_found", `${what}: no such file ${file}`)
      : failure(
          "import_error",
          `${what}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`,
        );
  }
}

/** A spec a spec package declares, found from `cwd`: its text and where it comes from. */
export interface ResolvedSpec {
  ok: true;
  text: string;
  /** Its path: the origin of its own relative imports. */
  filename: string;
  /** `@scope/pkg/specs/x.yaml`, for messages. */
  label: string;
  package: PackageRef;
}

/**
 * `@scope/pkg/name` or `pkg/name` naming a spec of a spec package installed where `cwd` can see it.
 * Undefined when `specifier` does not look like one.
 */
export function resolvePackageSpec(specifier: string, cwd: string): ResolvedSpec | Failure | undefined {
  const parsed = parsePackageSpecifier(specifier);
  if (!parsed || parsed.entry === undefined) return undefined;
  const pkg = findSpecPackage(parsed.packageName, join(cwd, "noop.js"));
  if (!("ref" in pkg)) return pkg;
  const file = pkg.specs.get(parsed.entry);
  if (file === undefined) {
    const names = [...pkg.specs.keys()];
    return failure(
      "import_not_found",
      `package ${pkg.ref.name}@${pkg.ref.version} declares no spec "${parsed.entry}"`,
      names.length > 0 ? `its specs: ${names.join(", ")}` : "it declares no specs (fusegraph.specs)",
    );
  }
  const read = readText(file, `spec "${specifier}"`);
  if (!("text" in read)) return read;
  return { ok: true, text: read.text, filename: file, label: packageLabel(pkg, file), package: pkg.ref };
}

export interface NodeImportResolverOptions {
  /** Where a spec without a file (standard input, a built document) resolves its imports; default process.cwd(). */
  cwd?: string;
}

/**
 * The file-system resolver for `imports:`: `@scope/pkg/name` and `pkg/name` name a block a spec package
 * declares (`fusegraph.blocks`), found with Node's resolution from the importing file; `./file.yaml#block`
 * names a block in a file beside it.
 */
export function nodeImportResolver(opts: NodeImportResolverOptions = {}): ImportResolver {
  const cwd = opts.cwd ?? process.cwd();
  return (specifier: string, from: ImportOrigin): ResolvedImport | ImportFailure => {
    const fromFile = from.filename !== undefined ? resolve(cwd, from.filename) : join(cwd, "noop.js");
    if (isFileSpecifier(specifier)) {
      const [path = "", block] = specifier.split("#");
      if (!block) {
        return failure(
          "import_error",
          `"${specifier}" names a file but no block in it`,
          `write "${path}#<block name>"`,
        );
      }
      const file = resolve(dirname(fromFile), path);
      const read = readText(file, `"${specifier}"`);
      if (!("text" in read)) return read;
      const owner = owningSpecPackage(file);
      if (owner) {
        return {
          ok: true,
          text: read.text,
          filename: file,
          label: packageLabel(owner, file),
          block,
          package: owner.ref,
        };
      }
      const rel = relative(cwd, file);
      const label = rel.startsWith("..") || isAbsolute(rel) ? file : rel.split(sep).join("/");
      return { ok: true, text: read.text, filename: file, label, block };
    }
    const parsed = parsePackageSpecifier(specifier);
    if (!parsed) {
      return failure(
        "import_error",
        `"${specifier}" is neither a package block (@scope/pkg/name, pkg/name) nor a file (./file.yaml#block)`,
      );
    }
    const pkg = findSpecPackage(parsed.packageName, fromFile);
    if (!("ref" in pkg)) return pkg;
    const names = [...pkg.blocks.keys()];
    const entry = parsed.entry === undefined ? undefined : pkg.blocks.get(parsed.entry);
    if (!entry) {
      return failure(
        "import_not_found",
        parsed.entry === undefined
          ? `"${specifier}" names a package but not one of its blocks`
          : `package ${pkg.ref.name}@${pkg.ref.version} declares no block "${parsed.entry}"`,
        names.length > 0
          ? `its blocks: ${names.map((n) => `${pkg.ref.name}/${n}`).join(", ")}`
          : "it declares no blocks (fusegraph.blocks)",
      );
    }
    const read = readText(entry.file, `block "${specifier}"`);
    if (!("text" in read)) return read;
    return {
      ok: true,
      text: read.text,
      filename: entry.file,
      label: packageLabel(pkg, entry.file),
      block: entry.block,
      package: pkg.ref,
    };
  };
}
