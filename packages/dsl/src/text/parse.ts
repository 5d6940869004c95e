import { type Document, LineCounter, type Node, parseDocument, visit } from "yaml";
import { appendIssues, issue, type SpecIssue } from "../issues.js";
import { type Limits, resolveLimits } from "../limits.js";
import { duplicateKeys, type Locator, locator } from "./locate.js";
import { prescan } from "./prescan.js";
import { sanitize } from "./sanitize.js";
import { readYamlSubset } from "./yaml-subset.js";

export type SpecFormat = "yaml" | "json";

/** What reading text needs; the whole pipeline's options are `ParseOptions` (document/parse-spec). */
export interface TextOptions {
  /** Used to pick the format by extension (`.json`, `.yaml`, `.yml`) and in messages. */
  filename?: string;
  format?: SpecFormat;
  /**
   * Overrides of {@link LIMITS} for this call only (imported documents get the same); an unknown name
   * or a value that is not an integer in [1, {@link LIMIT_CEILINGS}] throws a `LimitsError`.
   */
  limits?: Partial<Limits>;
}

/** By `format`, else the filename's extension, else JSON when the text starts with `{`, else YAML. */
export function detectFormat(text: string, opts: TextOptions = {}): SpecFormat {
  if (opts.format) return opts.format;
  const ext = opts.filename?.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === "json") return "json";
  if (ext === "yaml" || ext === "yml") return "yaml";
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

export interface ParsedText {
  /** The document's plain data, or undefined when the text could not be read at all. */
  value: unknown;
  locate: Locator;
  issues: SpecIssue[];
}

const noLocation: Locator = () => ({ line: 1, column: 1 });

/** A text that gave no value: its one issue, located at the start. */
function unparsed(first: SpecIssue): ParsedText {
  return { value: undefined, locate: noLocation, issues: [first] };
}

/** Where the first alias of the document is written (to place alias issues). */
function firstAliasOffset(doc: Document, source?: string): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_k, node) {
      if (source !== undefined && node.source !== source) return undefined;
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Reads YAML or JSON text into plain data, with a locator from paths to line:column.
 * Syntax errors are `parse_error` and end parsing; duplicate keys are `duplicate_id` for node ids and
 * `parse_error` otherwise, and do not stop the later stages (the last value written wins); alias bombs and deep nesting are `limit_exceeded`.
 *
 * NOTE: most specs are read by {@link readYamlSubset} (~20x faster than the `yaml` package) and only
 * located when something asks where a path is, i.e. when there are issues: the locator then parses the
 * text with `yaml` as {@link parseTextLocated} does, so every line:column is what that path gives.
 * Text the subset reader declines (all text with issues among it) takes that path directly.
 */
export function parseText(text: string, opts: TextOptions = {}): ParsedText {
  const limits = resolveLimits(opts.limits);
  if (text.length <= limits.maxTextChars) {
    const json = detectFormat(text, opts) === "json";
    // NOTE: the reader declines all that prescan or sanitize would report, so neither needs to run.
    const fast = readYamlSubset(text, json, limits);
    if (fast) return { value: fast.value, locate: lazyLocator(text, json), issues: [] };
  }
  return parseTextLocated(text, opts);
}

/** Parses with `yaml` on the first call only (what {@link parseTextLocated} builds its locator from). */
function lazyLocator(text: string, json: boolean): Locator {
  let locate: Locator | undefined;
  return (path) => {
    if (!locate) {
      const lines = new LineCounter();
      const parsed = parseYaml(text, json, lines);
      locate = parsed.doc ? locator(parsed.doc, lines) : noLocation;
    }
    return locate(path);
  };
}

/**
 * {@link parseText} through the `yaml` package alone, building the locator up front: the path for text
 * the subset reader declines or whose value has issues, and the reference the fast path is tested against.
 */
export function parseTextLocated(text: string, opts: TextOptions = {}): ParsedText {
  const limits = resolveLimits(opts.limits);
  if (text.length > limits.maxTextChars) {
    return unparsed(
      issue(
        "limit_exceeded",
        [],
        `the spec has ${text.length} characters, more than ${limits.maxTextChars}`,
        {
          line: 1,
          column: 1,
        },
      ),
    );
  }
  const json = detectFormat(text, opts) === "json";
  const scan = prescan(text, limits);
  if (scan.kind === "longList") {
    return unparsed(
      issue("limit_exceeded", [], `a list has more than ${limits.maxArrayLength} elements`, {
        ...positionOf(text, scan.offset),
        expected: `at most ${limits.maxArrayLength} elements`,
      }),
    );
  }
  if (scan.kind === "longKey") {
    return unparsed(
      issue(
        "limit_exceeded",
        [],
        `a key has ${scan.length} characters, more than ${limits.maxIdChars} (the longest id or param name)`,
        {
          ...positionOf(text, scan.offset),
          expected: `at most ${limits.maxIdChars} characters`,
          hint: "use a shorter id",
        },
      ),
    );
  }
  // NOTE: more syntax errors than can be reported: the first ones all lie before `cut`, so the parser
  // reads only that prefix (same offsets, same messages) and the scan's count stands for the rest.
  // Should the prefix show fewer errors than the scan promised, the whole text is parsed after all.
  let lines = new LineCounter();
  let parsed: ReturnType<typeof parseYaml> | undefined;
  let errorCount = 0;
  if (scan.kind === "errors") {
    const prefix = parseYaml(text.slice(0, scan.cut), json, lines);
    if (prefix.doc && prefix.doc.errors.length > limits.maxIssues) {
      parsed = prefix;
      errorCount = Math.max(scan.errors, prefix.doc.errors.length);
    } else {
      lines = new LineCounter();
    }
  }
  parsed ??= parseYaml(text, json, lines);
  if (!parsed.doc) return unparsed(parsed.issue);
  const doc = parsed.doc;
  const locate = locator(doc, lines);
  const at = (offset: number | undefined) => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { line, column: col };
  };
  const issues: SpecIssue[] = [];
  if (doc.errors.length > 0) {
    // Over the cap, maxIssues - 1 errors and one count: later capIssues(maxIssues) keeps them all.
    const count = Math.max(errorCount, doc.errors.length);
    const shown = count > limits.maxIssues ? limits.maxIssues - 1 : count;
    for (const err of doc.errors.slice(0, shown))
      issues.push(
        issue("parse_error", [], `${json ? "JSON" : "YAML"} syntax error: ${err.message}`, at(err.pos[0])),
      );
    if (count > shown) {
      issues.push(
        issue("limit_exceeded", [], `${count - shown} more syntax errors were found`, {
          line: 1,
          column: 1,
        }),
      );
    }
    return { value: undefined, locate, issues };
  }
  for (const { path, offset } of duplicateKeys(doc)) {
    const id = String(path[path.length - 1]);
    const isNodeId =
      (path.length === 2 && path[0] === "nodes") ||
      (path.length === 4 && path[0] === "blocks" && path[2] === "nodes");
    issues.push(
      isNodeId
        ? issue("duplicate_id", path, `node id "${id}" is defined twice`, {
            ...at(offset),
            nodeId: id,
            hint: "node ids must be unique; rename one of them",
          })
        : issue("parse_error", path, `duplicate key "${id}"`, at(offset)),
    );
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const bomb = /excessive alias/i.test(msg);
    const missing = /unresolved alias[^:]*:\s*(.*)$/i.exec(msg)?.[1];
    const pos = at(firstAliasOffset(doc, missing ?? undefined) ?? (doc.contents as Node | null)?.range?.[0]);
    issues.push(
      bomb
        ? issue("limit_exceeded", [], `YAML aliases expand to more than ${limits.maxAliasCount} copies`, {
            ...pos,
            hint: "an alias bomb, or heavy reuse of anchors: write the repeated part as a block instead",
          })
        : e instanceof RangeError
          ? issue("limit_exceeded", [], "the spec nests too deeply", pos)
          : issue("parse_error", [], `cannot read the spec: ${msg}`, pos),
    );
    return { value: undefined, locate, issues };
  }
  const clean = sanitize(value, limits);
  appendIssues(issues, clean.issues);
  return { value: clean.value, locate, issues: withLocations(issues, locate) };
}

/** The `yaml` package's document, or the issue when it throws (a RangeError: nesting too deep). */
function parseYaml(
  text: string,
  json: boolean,
  lines: LineCounter,
): { doc: Document; issue?: undefined } | { doc?: undefined; issue: SpecIssue } {
  try {
    const doc = parseDocument(text, {
      lineCounter: lines,
      // Duplicate keys are found by duplicateKeys() below, in linear time.
      uniqueKeys: false,
      prettyErrors: false,
      // NOTE: "silent" would also drop the error for a second `---` document; "error" logs nothing.
      logLevel: "error",
      ...(json ? { schema: "json" as const } : {}),
    });
    return { doc };
  } catch (e) {
    const deep = e instanceof RangeError;
    return {
      issue: issue(
        deep ? "limit_exceeded" : "parse_error",
        [],
        deep ? "the spec nests too deeply to parse" : `cannot parse the spec: ${String(e)}`,
        { line: 1, column: 1 },
      ),
    };
  }
}

/** 1-based line and column of `offset` in `text`, counted without a parser. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Fills line/column of issues that have none from the locator. */
export function withLocations(issues: SpecIssue[], locate: Locator | undefined): SpecIssue[] {
  if (!locate) return issues;
  return issues.map((i) => {
    if (i.line !== undefined) return i;
    const pos = locate(i.path);
    return pos ? { ...i, line: pos.line, column: pos.column } : i;
  });
}
