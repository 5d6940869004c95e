/**
 * Problems in a spec are values, not exceptions: every stage returns the issues it found, and only the
 * API edges (`loadGraph`, the CLI) turn them into a thrown {@link SpecError}.
 */

export type IssueCode =
  | "parse_error"
  | "invalid_spec"
  | "invalid_params"
  | "unknown_ref"
  | "duplicate_id"
  | "cycle"
  | "shape_mismatch"
  | "unknown_op"
  | "limit_exceeded"
  | "block_error"
  | "unused_node"
  /** An `imports:` entry that cannot be used: a bad specifier, no resolver, an unreadable package. */
  | "import_error"
  /** An import whose package, file or block does not exist. */
  | "import_not_found"
  /** Documents that import each other, directly or through others. */
  | "import_cycle"
  /** An import named like a block of the same document. */
  | "import_clash"
  /** A valid spec that one backend cannot express (e.g. tfjs: conv2d with strides and dilation); the others run it. */
  | "backend_unsupported"
  /** A valid spec that does not fit a training task (@fusegraph/train: input or output shapes). */
  | "task_mismatch";

export type Severity = "error" | "warning";

/** A location in the spec document: object keys and array indices from the root. */
export type SpecPath = readonly (string | number)[];

export interface SpecIssue {
  code: IssueCode;
  severity: Severity;
  path: SpecPath;
  /** 1-based line and column, present when the spec came from text. */
  line?: number;
  column?: number;
  /** The node the issue is about, when there is one. */
  nodeId?: string;
  /** The file the issue is in, when it is not the spec being checked (an imported block's file). */
  file?: string;
  /** The package that file belongs to, as `name@version`. */
  package?: string;
  message: string;
  expected?: string;
  received?: string;
  hint?: string;
}

/** What a stage returns: either its value or every issue it found. Warnings ride along with success. */
export type Result<T> = ({ ok: true; warnings: SpecIssue[] } & T) | { ok: false; issues: SpecIssue[] };

export function issue(
  code: IssueCode,
  path: SpecPath,
  message: string,
  extra: Partial<Omit<SpecIssue, "code" | "path" | "message">> = {},
): SpecIssue {
  const warning = code === "unused_node" || code === "backend_unsupported";
  return { code, severity: warning ? "warning" : "error", path, message, ...extra };
}

/** Appends one by one: `push(...list)` overflows the stack on a long list. */
export function appendIssues(target: SpecIssue[], more: readonly SpecIssue[]): void {
  for (const i of more) target.push(i);
}

/**
 * The first `max` issues (errors before warnings, each in order) and, when some were left out, one
 * `limit_exceeded` issue saying how many; a hostile spec can have millions of problems.
 */
export function capIssues(issues: SpecIssue[], max: number): SpecIssue[] {
  if (issues.length <= max) return issues;
  const errors = issues.filter(isError);
  const kept = [...errors.slice(0, max)];
  for (const i of issues) {
    if (kept.length >= max) break;
    if (!isError(i)) kept.push(i);
  }
  const more = issues.length - kept.length;
  kept.push(
    issue("limit_exceeded", [], `${more} more issues were found and not listed`, {
      hint: `only the first ${max} issues are reported; fix these and check again`,
    }),
  );
  return kept;
}

export function isError(i: SpecIssue): boolean {
  return i.severity === "error";
}

/** Thrown only at API edges; carries every issue so callers can still act on each one. */
export class SpecError extends Error {
  override readonly name = "SpecError";
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[], source?: string) {
    const errors = issues.filter(isError);
    const shown = errors.length > 0 ? errors : issues;
    const first = shown[0];
    const more = shown.length > 1 ? ` (and ${shown.length - 1} more)` : "";
    super(first ? `${formatIssue(first, source)}${more}` : "invalid spec");
    this.issues = issues;
  }
}

export function formatPath(path: SpecPath): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

/** `file:line:col  code  message` plus the hint on its own line, as `fusegraph check` prints it. */
export function formatIssue(i: SpecIssue, spec = "<spec>"): string {
  const source = i.file ?? spec;
  const where =
    i.line !== undefined ? `${source}:${i.line}:${i.column ?? 1}` : `${source}:${formatPath(i.path)}`;
  const sev = i.severity === "warning" ? "warning " : "";
  const from = i.package !== undefined ? ` (in ${i.package})` : "";
  const head = `${where}  ${sev}${i.code}  ${i.message}${from}`;
  return i.hint ? `${head}\n    hint: ${i.hint}` : head;
}
