import type { Limits } from "../limits.js";

/**
 * A linear pass over spec text before the `yaml` parser sees it. The parser spends seconds on a
 * 200 KB text of 200,000 syntax errors or a 1.5 MB flow list of 200,000 numbers (it builds a token, a
 * node and a located error for each), so texts with either are found here first:
 *
 * - a flow list (`[...]`) with more than `maxArrayLength` items, which sanitize would refuse anyway;
 * - a quoted key longer than `maxIdChars` (keys are ids or param names; the parser takes ~0.5 s to
 *   unescape a 1,000,000-character one);
 * - more than `maxIssues` certain syntax errors: a `]`/`}` outside any flow collection where a value
 *   starts (or right after another such one), or an empty item in a flow collection (`[,` or `,,`).
 *
 * The scan knows just enough YAML to skip comments, quoted scalars and block scalars (`|`, `>`), so
 * brackets and commas in them do not count. It only ever shortens the parser's work: see `parseText`.
 */
export type Prescan =
  | { kind: "ok" }
  /** A flow list opened at `offset` has more than `maxArrayLength` items. */
  | { kind: "longList"; offset: number }
  /** A quoted key of `length` characters, more than `maxIdChars`, starts at `offset`. */
  | { kind: "longKey"; offset: number; length: number }
  /** `errors` certain syntax errors; the one numbered `maxIssues + 1` ends before `cut`. */
  | { kind: "errors"; errors: number; cut: number };

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

const isSpace = (c: number) => c === SPACE || c === TAB || c === NL || c === CR;

interface Flow {
  open: number;
  list: boolean;
  /** Items ended by a comma so far. */
  items: number;
  /** Something has been written since the opening bracket or the last comma. */
  item: boolean;
}

export function prescan(
  text: string,
  { maxArrayLength, maxIssues, maxIdChars }: Pick<Limits, "maxArrayLength" | "maxIssues" | "maxIdChars">,
): Prescan {
  const n = text.length;
  const stack: Flow[] = [];
  let errors = 0;
  let cut = -1;
  let lineIndent = 0;
  let atLineStart = true;
  /** The previous character was a `]`/`}` counted as an error. */
  let strayRun = false;
  const error = (end: number) => {
    errors++;
    if (errors === maxIssues + 1) cut = end;
  };

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      atLineStart = true;
      lineIndent = 0;
      strayRun = false;
      i++;
      continue;
    }
    if (atLineStart && c === SPACE) {
      lineIndent++;
      i++;
      continue;
    }
    atLineStart = false;
    const prev = i === 0 ? NL : text.charCodeAt(i - 1);
    // A value or comment starts here: after whitespace, or (in flow) after an indicator.
    const tokenStart =
      isSpace(prev) || (stack.length > 0 && (prev === 91 || prev === 123 || prev === 44 || prev === 58)); // [ { , :
    const top = stack[stack.length - 1];

    if (c === 35 /* # */ && isSpace(prev)) {
      while (i < n && text.charCodeAt(i) !== NL) i++;
      continue;
    }
    if ((c === 39 || c === 34) /* ' " */ && tokenStart) {
      const start = i;
      i = skipQuoted(text, i, c);
      if (i - start - 2 > maxIdChars && isKey(text, i))
        return { kind: "longKey", offset: start, length: i - start - 2 };
      if (top) top.item = true;
      strayRun = false;
      continue;
    }
    if (stack.length === 0 && (c === 124 || c === 62) /* | > */ && tokenStart) {
      i = skipBlockScalar(text, i, lineIndent);
      atLineStart = true;
      lineIndent = 0;
      continue;
    }
    if ((c === 91 || c === 123) /* [ { */ && (stack.length > 0 || (tokenStart && valueStart(text, i)))) {
      if (top) top.item = true;
      stack.push({ open: i, list: c === 91, items: 0, item: false });
      strayRun = false;
      i++;
      continue;
    }
    if (c === 93 || c === 125 /* ] } */) {
      if (top) {
        if (top.list && top.item && top.items + 1 > maxArrayLength)
          return { kind: "longList", offset: top.open };
        stack.pop();
      } else if (strayRun || (tokenStart && valueStart(text, i))) {
        error(i + 1);
        strayRun = true;
        i++;
        continue;
      }
      strayRun = false;
      i++;
      continue;
    }
    strayRun = false;
    if (top && c === 44 /* , */) {
      if (!top.item) error(i + 1);
      else if (top.list && ++top.items > maxArrayLength) return { kind: "longList", offset: top.open };
      top.item = false;
    } else if (top && !isSpace(c)) {
      top.item = true;
    }
    i++;
  }
  return errors > maxIssues ? { kind: "errors", errors, cut } : { kind: "ok" };
}

/** Whether a `:` follows `i` (on the same line), making the scalar before it a key. */
function isKey(text: string, i: number): boolean {
  while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
  return text.charCodeAt(i) === 58;
}

/**
 * In block context, whether a token at `i` starts a value: first on its line, or after `:`, `-` or `?`,
 * or after an anchor or tag. Elsewhere a bracket is part of a plain scalar (`name: a [b` is valid).
 */
function valueStart(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j--;
  if (j < 0) return true;
  const p = text.charCodeAt(j);
  if (p === NL || p === CR || p === 58 || p === 45 || p === 63) return true; // : - ?
  while (j > 0 && !isSpace(text.charCodeAt(j - 1))) j--;
  const first = text.charCodeAt(j);
  return first === 38 || first === 33; // & !
}

/** The offset after a quoted scalar opened at `start` (`''` escapes a single quote, `\` in double). */
function skipQuoted(text: string, start: number, quote: number): number {
  const n = text.length;
  let i = start + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quote === 34 && c === 92 /* \ */) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (quote === 39 && text.charCodeAt(i + 1) === 39) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return n;
}

/**
 * The offset after a block scalar whose header is at `start` on a line indented `indent`: its content
 * is every following line that is blank or indented more than that line.
 */
function skipBlockScalar(text: string, start: number, indent: number): number {
  const n = text.length;
  let i = text.indexOf("\n", start);
  if (i < 0) return n;
  i++;
  while (i < n) {
    let j = i;
    while (j < n && text.charCodeAt(j) === SPACE) j++;
    const c = j < n ? text.charCodeAt(j) : NL;
    const blank = c === NL || c === CR;
    if (!blank && j - i <= indent) return i;
    const eol = text.indexOf("\n", j);
    if (eol < 0) return n;
    i = eol + 1;
  }
  return n;
}
