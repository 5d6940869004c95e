import { appendIssues, capIssues, isError, type Result } from "../issues.js";
import { resolveLimits } from "../limits.js";
import type { Locator } from "../text/locate.js";
import { parseText, type TextOptions, withLocations } from "../text/parse.js";
import type { SpecDocument } from "./document.js";
import type { ImportOrigin, ImportResolver } from "./imports.js";
import { checkStructure } from "./structure.js";

export interface ParseOptions extends TextOptions {
  /** Finds the documents `imports:` names (`@fusegraph/dsl/node` has one for files and spec packages). */
  resolveImport?: ImportResolver;
  /** Where the spec itself lives, for its relative imports; defaults to `{ filename }`. */
  origin?: ImportOrigin;
}

export type ParsedSpec = Result<{ doc: SpecDocument; locate: Locator }>;

/** Parses spec text into the document model, with a locator from paths to line:column. */
export function parseSpec(text: string, opts: ParseOptions = {}): ParsedSpec {
  const limits = resolveLimits(opts.limits);
  const parsed = parseText(text, { ...opts, limits });
  const issues = [...parsed.issues];
  let doc: SpecDocument | undefined;
  if (parsed.value !== undefined || parsed.issues.length === 0) {
    const s = checkStructure(parsed.value, limits);
    appendIssues(issues, s.issues);
    doc = s.doc;
  }
  const located = capIssues(withLocations(issues, parsed.locate), limits.maxIssues);
  if (!doc || located.some(isError)) return { ok: false, issues: located };
  return { ok: true, warnings: located, doc, locate: parsed.locate };
}
