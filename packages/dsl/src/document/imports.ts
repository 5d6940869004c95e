import { type IssueCode, isError, issue, type SpecIssue, type SpecPath } from "../issues.js";
import { LIMITS, type Limits, RESERVED_KEYS } from "../limits.js";
import { didYouMeanText } from "../suggest.js";
import type { Locator } from "../text/locate.js";
import { parseText, withLocations } from "../text/parse.js";
import { fromZodIssues } from "../zod-issues.js";
import { type BlockSpec, documentSchema, ID_PATTERN, type SpecDocument } from "./document.js";
import { checkBlockDefs } from "./structure.js";

/**
 * `imports:` — blocks from other documents. Resolution is a hook ({@link ImportResolver}) so this module
 * stays free of the file system: `@fusegraph/dsl/node` resolves spec packages and files, and browsers or
 * tests can supply their own. Imported documents are parsed once each, bounded in number and depth.
 */

/** A package a document belongs to. */
export interface PackageRef {
  name: string;
  version: string;
}

/** Where a document comes from: what its relative imports resolve against and what messages name. */
export interface ImportOrigin {
  /** The document's file, as the resolver understands it (the node resolver: a path). */
  filename?: string;
  package?: PackageRef;
}

/** A document holding the imported block. */
export interface ResolvedImport {
  ok: true;
  text: string;
  /** Identifies the document (one parse per filename) and is its origin for its own imports. */
  filename: string;
  /** How messages name the file (e.g. `@acme/blocks/specs/resnet.yaml`); defaults to `filename`. */
  label?: string;
  /** The block's name in that document. */
  block: string;
  package?: PackageRef;
}

export interface ImportFailure {
  ok: false;
  code: Extract<IssueCode, "import_error" | "import_not_found">;
  /** What went wrong, naming the package or file looked for. */
  message: string;
  hint?: string;
}

/** Finds the document a specifier names, from the document that imports it. Must not throw. */
export type ImportResolver = (specifier: string, from: ImportOrigin) => ResolvedImport | ImportFailure;

/** An import the graph was built with, for tools to show where a block came from. */
export interface ImportedBlock {
  /** The name `use:` knows it by in the importing document. */
  name: string;
  specifier: string;
  /** The block's name in its own document. */
  block: string;
  /** The file it is written in (the resolver's label). */
  file: string;
  package?: PackageRef;
  /** The importing document's file, when that is itself imported. */
  importedBy?: string;
}

/** First segment of issue paths inside imported documents: `[IMPORTED, docIndex, ...pathInThatDoc]`. */
export const IMPORTED = "<imported>";

/** What `use: name` means in one document: a block key, or null for an import that failed (already reported). */
export type UseScope = ReadonlyMap<string, string | null>;

export interface BlockDef {
  /** Unique over all documents: the name for the spec's own blocks, `<doc>:<name>` for imported ones. */
  key: string;
  name: string;
  /** `block "name"`, plus where it comes from when imported. */
  label: string;
  spec: BlockSpec;
  /** Where the block is written: `["blocks", name]`, or under {@link IMPORTED}. */
  base: SpecPath;
  /** What `use:` inside this block refers to: its document's blocks and imports. */
  uses: UseScope;
}

interface LoadedDocument {
  label: string;
  package?: PackageRef;
  locate: Locator;
  blocks: readonly string[];
  broken: ReadonlySet<string>;
}

export interface BlockTable {
  defs: ReadonlyMap<string, BlockDef>;
  /** What `use:` means at the top level of the spec. */
  top: UseScope;
  imports: readonly ImportedBlock[];
  documents: readonly LoadedDocument[];
}

export interface ImportOptions {
  resolveImport?: ImportResolver;
  /** The spec's own origin; defaults to nothing (relative imports then fail to resolve). */
  origin?: ImportOrigin;
  /** The limits of the call; imported documents are held to the same. Defaults to {@link LIMITS}. */
  limits?: Limits;
}

/** A document imported from: a spec's blocks and imports are read, the rest is not needed. */
const libraryDocumentSchema = documentSchema.partial({
  name: true,
  inputs: true,
  nodes: true,
  outputs: true,
});
const libraryKeys = Object.keys(libraryDocumentSchema.shape);

const packageText = (p: PackageRef | undefined) => (p ? `${p.name}@${p.version}` : undefined);

/**
 * The spec's blocks and every block it imports (transitively), each with the scope its `use:`s
 * resolve in. Problems are reported, never thrown: an unresolvable, cyclic or clashing import is one
 * issue at its `imports:` entry, and its uses are then skipped silently.
 */
export function loadBlockTable(
  doc: SpecDocument,
  opts: ImportOptions,
  report: (i: SpecIssue) => void,
): BlockTable {
  return new ImportLoader(opts, report).root(doc);
}

/** A block's path prefix (`["blocks", name]`, or the same under {@link IMPORTED}) for a path inside it. */
export function blockBaseOf(path: SpecPath): SpecPath | undefined {
  if (path[0] === "blocks" && path.length >= 2) return path.slice(0, 2);
  if (path[0] === IMPORTED && path[2] === "blocks" && path.length >= 4) return path.slice(0, 4);
  return undefined;
}

/** An issue inside an imported document: its path made relative to that file, located there and tagged. */
export function relocateIssue(i: SpecIssue, table: BlockTable | undefined): SpecIssue {
  if (i.path[0] !== IMPORTED || !table) return i;
  const d = table.documents[i.path[1] as number];
  if (!d) return i;
  const path = i.path.slice(2);
  const pos = i.line === undefined ? d.locate(path) : undefined;
  const pkg = packageText(d.package);
  return {
    ...i,
    path,
    file: d.label,
    ...(pkg !== undefined ? { package: pkg } : {}),
    ...(pos ? { line: pos.line, column: pos.column } : {}),
  };
}

class ImportLoader {
  private readonly defs = new Map<string, BlockDef>();
  private readonly documents: LoadedDocument[] = [];
  private readonly imports: ImportedBlock[] = [];
  /** Filename -> document index, or null when the document is unusable (its issues are reported). */
  private readonly byFile = new Map<string, number | null>();
  /** Files being loaded, outermost first: importing one of them again is a cycle. */
  private readonly loading: string[] = [];

  private readonly limits: Limits;

  constructor(
    private readonly opts: ImportOptions,
    private readonly report: (i: SpecIssue) => void,
  ) {
    this.limits = opts.limits ?? LIMITS;
  }

  root(doc: SpecDocument): BlockTable {
    const origin = this.opts.origin ?? {};
    if (origin.filename !== undefined) this.loading.push(origin.filename);
    const top = this.scope(doc.blocks ?? {}, doc.imports ?? {}, [], origin, 0, undefined);
    return { defs: this.defs, top, imports: this.imports, documents: this.documents };
  }

  /** Registers a document's blocks and resolves its imports; gives what `use:` means in it. */
  private scope(
    blocks: Record<string, BlockSpec>,
    imports: Record<string, string>,
    base: SpecPath,
    from: ImportOrigin,
    depth: number,
    doc: number | undefined,
  ): UseScope {
    const keyOf = (name: string) => (doc === undefined ? name : `${doc}:${name}`);
    const uses = new Map<string, string | null>();
    for (const name of Object.keys(blocks)) uses.set(name, keyOf(name));
    for (const alias of Object.keys(imports)) {
      const specifier = imports[alias] as string;
      const path = [...base, "imports", alias];
      if (!ID_PATTERN.test(alias) || RESERVED_KEYS.has(alias)) {
        this.report(
          issue("invalid_spec", path, `import name "${alias}" is not a valid id`, {
            expected:
              "a letter or _ first, then letters, digits, _ . - / (not __proto__, constructor, prototype)",
            received: alias,
          }),
        );
        uses.set(alias, null);
        continue;
      }
      if (Object.hasOwn(blocks, alias)) {
        this.report(
          issue("import_clash", path, `import "${alias}" has the name of a block defined in this document`, {
            received: alias,
            hint: `rename the import (e.g. ${alias}2: "${specifier}") or the block`,
          }),
        );
        continue;
      }
      uses.set(alias, this.resolve(alias, specifier, path, from, depth));
    }
    const pkg = packageText(from.package);
    for (const name of Object.keys(blocks)) {
      const where = doc === undefined ? "" : ` from ${pkg ?? this.documents[doc]?.label}`;
      this.defs.set(keyOf(name), {
        key: keyOf(name),
        name,
        label: `block "${name}"${where}`,
        spec: blocks[name] as BlockSpec,
        base: [...base, "blocks", name],
        uses,
      });
    }
    return uses;
  }

  private resolve(
    alias: string,
    specifier: string,
    path: SpecPath,
    from: ImportOrigin,
    depth: number,
  ): string | null {
    const fail = (code: IssueCode, message: string, hint?: string): null => {
      this.report(
        issue(code, path, `import "${alias}": ${message}`, {
          received: specifier,
          ...(hint !== undefined ? { hint } : {}),
        }),
      );
      return null;
    };
    const resolver = this.opts.resolveImport;
    if (!resolver) {
      return fail(
        "import_error",
        `cannot resolve "${specifier}": no import resolver was given`,
        "in Node pass resolveImport: nodeImportResolver() from @fusegraph/dsl/node (the fusegraph CLI does)",
      );
    }
    if (depth >= this.limits.maxImportDepth) {
      return fail("limit_exceeded", `imports nest deeper than ${this.limits.maxImportDepth}`);
    }
    let r: ResolvedImport | ImportFailure;
    try {
      r = resolver(specifier, from);
    } catch (e) {
      // NOTE: resolvers are user code; one that throws is reported, not propagated.
      return fail(
        "import_error",
        `resolving "${specifier}" failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (!r.ok) return fail(r.code, r.message, r.hint);
    const cycleAt = this.loading.indexOf(r.filename);
    if (cycleAt >= 0) {
      const chain = [...this.loading.slice(cycleAt), r.filename].map((f) => this.nameOf(f));
      return fail(
        "import_cycle",
        `"${specifier}" leads back to a document that imports it: ${chain.join(" → ")}`,
        "documents may not import each other in a cycle; move the shared blocks into a file both import",
      );
    }
    const index = this.load(r, path, alias, depth);
    if (index === null) return null;
    const d = this.documents[index] as LoadedDocument;
    if (d.broken.has(r.block)) return null; // its definition's issues are reported in its own file
    if (!d.blocks.includes(r.block)) {
      const where = d.package ? `${d.label} (${packageText(d.package)})` : d.label;
      return fail(
        "import_not_found",
        `${where} has no block "${r.block}".${didYouMeanText(r.block, d.blocks)}`,
        d.blocks.length > 0 ? `it defines: ${d.blocks.join(", ")}` : "it defines no blocks",
      );
    }
    this.imports.push({
      name: alias,
      specifier,
      block: r.block,
      file: d.label,
      ...(r.package ? { package: r.package } : {}),
      ...(from.filename !== undefined && depth > 0 ? { importedBy: this.nameOf(from.filename) } : {}),
    });
    return `${index}:${r.block}`;
  }

  private nameOf(filename: string): string {
    const i = this.byFile.get(filename);
    return (i !== undefined && i !== null ? this.documents[i]?.label : undefined) ?? filename;
  }

  /** Parses and registers an imported document once; null when it cannot be used. */
  private load(r: ResolvedImport, path: SpecPath, alias: string, depth: number): number | null {
    const known = this.byFile.get(r.filename);
    if (known !== undefined) return known;
    if (this.documents.length >= this.limits.maxImportedDocuments) {
      this.report(
        issue(
          "limit_exceeded",
          path,
          `import "${alias}": more than ${this.limits.maxImportedDocuments} documents are imported`,
          {
            received: r.filename,
          },
        ),
      );
      return null;
    }
    const label = r.label ?? r.filename;
    const pkg = packageText(r.package);
    const tag = (i: SpecIssue): SpecIssue => ({
      ...i,
      file: label,
      ...(pkg !== undefined ? { package: pkg } : {}),
    });
    const parsed = parseText(r.text, { filename: r.filename, limits: this.limits });
    const issues = [...parsed.issues];
    const done = (index: number | null) => {
      for (const i of withLocations(issues, parsed.locate)) this.report(tag(i));
      this.byFile.set(r.filename, index);
      return index;
    };
    if (parsed.value === undefined) return done(null);
    const lib = libraryDocumentSchema.safeParse(parsed.value, { reportInput: true });
    if (!lib.success) {
      issues.push(
        ...fromZodIssues(lib.error.issues, {
          base: [],
          code: "invalid_spec",
          knownKeys: (p) => (p.length === 0 ? libraryKeys : []),
        }),
      );
      return done(null);
    }
    const broken = new Set<string>();
    const blocks = checkBlockDefs(lib.data.blocks ?? {}, broken, issues, this.limits);
    const index = this.documents.length;
    this.documents.push({
      label,
      ...(r.package ? { package: r.package } : {}),
      locate: parsed.locate,
      blocks: Object.keys(blocks),
      broken,
    });
    done(issues.some(isError) && Object.keys(blocks).length === 0 ? null : index);
    if (this.byFile.get(r.filename) === null) return null;
    this.loading.push(r.filename);
    const origin: ImportOrigin = { filename: r.filename, ...(r.package ? { package: r.package } : {}) };
    this.scope(blocks, lib.data.imports ?? {}, [IMPORTED, index], origin, depth + 1, index);
    this.loading.pop();
    return index;
  }
}
