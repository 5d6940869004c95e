/**
 * A reader for the plain shapes specs are written in, ~20x faster than the `yaml` package (which builds
 * tokens, a CST and located nodes: ~50 ms for a 1,000-node spec). It reads block mappings, block
 * sequences of inline values, flow collections (so JSON), quoted and plain one-line scalars, `|`/`>`
 * paragraphs and comments, and gives exactly the value `yaml` gives (core schema for YAML, json schema
 * for JSON). Anything else — anchors, aliases, tags, other block scalars, multi-line plain or quoted
 * scalars, duplicate or non-string keys, tabs, CR, document markers, every syntax error — returns
 * undefined, and the caller reads the text with `yaml` as before. Declining is always safe; guessing
 * never is.
 *
 * It also declines whatever `prescan` or `sanitize` would report (a list, nesting or document over the
 * limits, a quoted key over `maxIdChars`, a number that is not finite), so a value it returns needs
 * neither: it is fresh plain data, as `sanitize` would copy it, with no `__proto__` key.
 */
import type { Limits } from "../limits.js";

/** The limits the reader enforces by declining. */
export type SubsetLimits = Pick<Limits, "maxArrayLength" | "maxDepth" | "maxIdChars" | "maxValues">;

/** Thrown to give up; caught once in {@link readYamlSubset}. */
class Unsupported {}
const unsupported = new Unsupported();
function bail(): never {
  throw unsupported;
}

const NL = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const COMMA = 44;
const DASH = 45;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const SQUOTE = 39;
const DQUOTE = 34;
const PIPE = 124;
const GT = 62;

/** `yaml` refuses implicit keys over 1024 characters; stay well clear. */
const MAX_KEY = 1000;

// Characters the reader never handles: tab, CR, other C0/C1 controls, BOM, DEL, Unicode line breaks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const FOREIGN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** Plain keys the reader accepts: ids and param names; all resolve to strings in both schemas. */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$./-]*$/;
/** Plain words of the core schema that are not strings (see `yaml`'s core/bool, common/null). */
const NOT_STRING_KEY = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

// The core schema's scalar tests, in `yaml`'s order (schema/core/schema.js).
const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const CORE_OCT = /^0o[0-7]+$/;
const CORE_INT = /^[-+]?[0-9]+$/;
const CORE_HEX = /^0x[0-9a-fA-F]+$/;
const CORE_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const CORE_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const CORE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
// The json schema's (schema/json/schema.js); any other plain scalar is an error there.
const JSON_INT = /^-?(?:0|[1-9][0-9]*)$/;
const JSON_FLOAT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/;

function resolveCore(s: string): unknown {
  if (CORE_NULL.test(s)) return null;
  if (CORE_BOOL.test(s)) return s[0] === "t" || s[0] === "T";
  if (CORE_OCT.test(s)) return Number.parseInt(s.substring(2), 8);
  if (CORE_INT.test(s)) return Number.parseInt(s, 10);
  if (CORE_HEX.test(s)) return Number.parseInt(s.substring(2), 16);
  if (CORE_NAN.test(s))
    return s.slice(-3).toLowerCase() === "nan"
      ? Number.NaN
      : s[0] === "-"
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  if (CORE_EXP.test(s) || CORE_FLOAT.test(s)) return Number.parseFloat(s);
  return s;
}

function resolveJson(s: string): unknown {
  if (s === "null") return null;
  if (s === "true" || s === "false") return s === "true";
  if (JSON_INT.test(s)) return Number.parseInt(s, 10);
  if (JSON_FLOAT.test(s)) return Number.parseFloat(s);
  return bail();
}

/** The document's value when the text is within the subset, else undefined (read it with `yaml`). */
export function readYamlSubset(
  text: string,
  json: boolean,
  limits: SubsetLimits,
): { value: unknown } | undefined {
  if (FOREIGN.test(text)) return undefined;
  try {
    return { value: new Reader(text, json, limits).document() };
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return undefined;
    throw e;
  }
}

class Reader {
  private pos = 0;
  /** The indent of the line `pos` is on, as {@link nextContentLine} found it; -1 at the end. */
  private lineIndent = -1;
  private readonly n: number;
  private readonly resolveScalar: (s: string) => unknown;
  /** Values read so far, counted as `sanitize` counts them (containers and scalars). */
  private values = 0;

  constructor(
    private readonly text: string,
    private readonly json: boolean,
    private readonly limits: SubsetLimits,
  ) {
    this.n = text.length;
    this.resolveScalar = json ? resolveJson : resolveCore;
  }

  /** Counts one value; a container also has its depth checked (the root is at depth 0). */
  private count(depth?: number): void {
    if (++this.values > this.limits.maxValues) bail();
    if (depth !== undefined && depth >= this.limits.maxDepth) bail();
  }

  private resolve(s: string): unknown {
    this.count();
    const v = this.resolveScalar(s);
    if (typeof v === "number" && !Number.isFinite(v)) bail();
    return v;
  }

  private at(i: number): number {
    return i < this.n ? this.text.charCodeAt(i) : NL;
  }

  document(): unknown {
    const indent = this.nextContentLine();
    if (indent < 0) bail(); // empty document: null, left to `yaml`
    const c = this.at(this.pos);
    let value: unknown;
    if (c === LBRACE || c === LBRACKET) {
      value = this.flow(-1, 0);
      this.endOfLine();
      if (this.nextContentLine() >= 0) bail();
      return value;
    }
    value = this.blockMap(indent, 0);
    if (this.pos < this.n) bail();
    return value;
  }

  /**
   * Moves to the first character of the next line with content (skipping blank and comment lines) and
   * returns its indent, or -1 at the end of the text. Starts at the beginning of a line.
   */
  private nextContentLine(): number {
    const { text, n } = this;
    while (this.pos < n) {
      let i = this.pos;
      while (i < n && text.charCodeAt(i) === SPACE) i++;
      const c = this.at(i);
      if (c === NL || c === HASH) {
        const eol = text.indexOf("\n", i);
        this.pos = eol < 0 ? n : eol + 1;
        continue;
      }
      this.lineIndent = i - this.pos;
      this.pos = i;
      return this.lineIndent;
    }
    this.lineIndent = -1;
    return -1;
  }

  /** After a value: only spaces and a comment may follow on its line; moves to the next line. */
  private endOfLine(): void {
    const { text, n } = this;
    let i = this.pos;
    while (i < n && text.charCodeAt(i) === SPACE) i++;
    const c = this.at(i);
    if (c === HASH && i > this.pos) {
      const eol = text.indexOf("\n", i);
      i = eol < 0 ? n : eol;
    } else if (c !== NL) bail();
    this.pos = Math.min(i + 1, n);
  }

  /** A block mapping whose keys sit at column `indent`; `pos` is at its first key. */
  private blockMap(indent: number, depth: number): Record<string, unknown> {
    this.count(depth);
    const out: Record<string, unknown> = {};
    const keys = new Set<string>();
    for (;;) {
      const key = this.blockKey();
      if (keys.has(key) || key === "__proto__") bail();
      keys.add(key);
      // After `key:` and its spaces.
      const c = this.at(this.pos);
      let value: unknown;
      if (c === NL || c === HASH) {
        // NOTE: blockKey required a space after the colon, so a `#` here starts a comment.
        const eol = this.text.indexOf("\n", this.pos);
        this.pos = eol < 0 ? this.n : eol + 1;
        const next = this.nextContentLine();
        const dash = next >= 0 && this.isDash(this.pos);
        const d = this.at(this.pos);
        if (next > indent && (d === LBRACE || d === LBRACKET)) {
          // A flow collection on the line after its key (how formatters wrap long ones).
          value = this.flow(indent, depth + 1);
          this.endOfLine();
          this.nextContentLine();
        } else if (next > indent)
          value = dash ? this.blockSeq(next, depth + 1) : this.blockMap(next, depth + 1);
        else if (next === indent && dash) value = this.blockSeq(next, depth + 1);
        else {
          this.count();
          value = null;
        }
      } else if (c === PIPE || c === GT) {
        this.count();
        value = this.blockScalar(indent);
        this.nextContentLine();
      } else {
        value = this.inline(indent, depth + 1);
        this.endOfLine();
        this.nextContentLine();
      }
      out[key] = value;
      const next = this.lineIndent;
      if (next < indent) return out;
      if (next > indent) bail();
    }
  }

  /** A block sequence whose dashes sit at column `indent`; `pos` is at its first dash. */
  private blockSeq(indent: number, depth: number): unknown[] {
    this.count(depth);
    const out: unknown[] = [];
    for (;;) {
      this.pos++; // the dash
      if (this.at(this.pos) !== SPACE) bail();
      while (this.at(this.pos) === SPACE && this.pos < this.n) this.pos++;
      const c = this.at(this.pos);
      if (c === NL || c === HASH) bail(); // a nested block in an item
      out.push(this.inline(indent, depth + 1));
      if (out.length > this.limits.maxArrayLength) bail();
      this.endOfLine();
      const next = this.nextContentLine();
      if (next < indent) return out;
      if (next > indent) bail();
      if (!this.isDash(this.pos)) return out;
    }
  }

  /**
   * A literal (`|`, `|-`) or folded (`>`, `>-`) block scalar that is a value in a map at `indent`: only
   * lines at one indent with no blank lines among them, so folding joins lines with one space and
   * literal keeps them; any other shape goes to `yaml`. Leaves `pos` at the start of the next line.
   */
  private blockScalar(indent: number): string {
    const { text, n } = this;
    const folded = this.at(this.pos) === GT;
    const strip = this.at(this.pos + 1) === DASH;
    if (this.at(this.pos + (strip ? 2 : 1)) !== NL) bail();
    let lineStart = text.indexOf("\n", this.pos) + 1;
    if (lineStart === 0 || lineStart >= n) bail();
    const lines: string[] = [];
    let contentIndent = -1;
    let blank = false;
    while (lineStart < n) {
      let i = lineStart;
      while (i < n && text.charCodeAt(i) === SPACE) i++;
      let eol = text.indexOf("\n", i);
      if (eol < 0) eol = n;
      if (i === eol) {
        blank = true;
        lineStart = eol + 1;
        continue;
      }
      const lineIndent = i - lineStart;
      if (contentIndent < 0) {
        if (blank || lineIndent <= indent) bail();
        contentIndent = lineIndent;
      }
      if (lineIndent < contentIndent) break;
      // NOTE: a last line without a line break would change clipping; trailing spaces, folding.
      if (lineIndent > contentIndent || blank || eol === n || text.charCodeAt(eol - 1) === SPACE) bail();
      lines.push(text.slice(i, eol));
      lineStart = eol + 1;
    }
    if (contentIndent < 0) bail();
    this.pos = lineStart;
    // NOTE: blank lines after the last one do not count under clip (`|`, `>`) or strip (`-`) chomping.
    return lines.join(folded ? " " : "\n") + (strip ? "" : "\n");
  }

  private isDash(i: number): boolean {
    if (this.at(i) !== DASH) return false;
    const c = this.at(i + 1);
    return c === SPACE || c === NL;
  }

  /** A key and its `:` in a block mapping; leaves `pos` after the spaces that follow the colon. */
  private blockKey(): string {
    const c = this.at(this.pos);
    let key: string;
    if (c === SQUOTE || c === DQUOTE) {
      key = this.quotedKey();
      if (this.at(this.pos) !== COLON) bail();
    } else {
      if (this.json) bail();
      const start = this.pos;
      let i = start;
      while (i < this.n && this.text.charCodeAt(i) !== COLON && this.text.charCodeAt(i) !== NL) i++;
      key = this.text.slice(start, i);
      if (!PLAIN_KEY.test(key) || NOT_STRING_KEY.test(key)) bail();
      this.pos = i;
      if (this.at(i) !== COLON) bail();
    }
    if (key.length > MAX_KEY) bail();
    this.pos++;
    const after = this.at(this.pos);
    if (after !== SPACE && after !== NL) bail();
    while (this.pos < this.n && this.text.charCodeAt(this.pos) === SPACE) this.pos++;
    return key;
  }

  /** A value on the rest of a block line: a flow collection, a quoted scalar or a plain one. */
  private inline(indent: number, depth: number): unknown {
    const c = this.at(this.pos);
    if (c === LBRACE || c === LBRACKET) return this.flow(indent, depth);
    if (c === SQUOTE || c === DQUOTE) {
      this.count();
      return this.quoted();
    }
    return this.blockPlain();
  }

  /** A one-line plain scalar in block context, up to a comment or the end of the line. */
  private blockPlain(): unknown {
    const { text, n } = this;
    const start = this.pos;
    this.plainStart(false);
    let i = start;
    let end = start;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === NL) break;
      if (c === HASH && text.charCodeAt(i - 1) === SPACE) break;
      if (c === COLON) bail();
      if (c !== SPACE) end = i + 1;
      i++;
    }
    this.pos = end;
    return this.resolve(text.slice(start, end));
  }

  /** Gives up on a plain scalar that starts with an indicator (`yaml` reads those differently). */
  private plainStart(flow: boolean): void {
    const c = this.text[this.pos];
    if (c === undefined || "#&*!|>%@`,[]{}'\"?:".includes(c)) bail();
    if (c === "-") {
      const d = this.at(this.pos + 1);
      if (d === SPACE || d === NL || (flow && (d === COMMA || d === RBRACKET || d === RBRACE))) bail();
    }
  }

  /** A quoted key; one longer than `maxIdChars` as written is `prescan`'s `longKey`: left to it. */
  private quotedKey(): string {
    const start = this.pos;
    const key = this.quoted();
    if (this.pos - start - 2 > this.limits.maxIdChars) bail();
    return key;
  }

  /** A single- or double-quoted scalar on one line. */
  private quoted(): string {
    const { text } = this;
    const q = text.charCodeAt(this.pos);
    const start = this.pos + 1;
    if (q === SQUOTE) {
      let i = start;
      let out = "";
      const nl = text.indexOf("\n", start);
      for (;;) {
        const j = text.indexOf("'", i);
        if (j < 0 || (nl >= 0 && nl < j)) bail();
        out += text.slice(i, j);
        if (text.charCodeAt(j + 1) === SQUOTE) {
          out += "'";
          i = j + 2;
          continue;
        }
        this.pos = j + 1;
        return out;
      }
    }
    let j = start;
    let escaped = false;
    for (;;) {
      const c = this.at(j);
      if (j >= this.n || c === NL) bail();
      if (c === 92 /* \ */) {
        escaped = true;
        j += 2;
        continue;
      }
      if (c === DQUOTE) break;
      j++;
    }
    this.pos = j + 1;
    if (!escaped) return text.slice(start, j);
    // NOTE: JSON's escapes mean the same in YAML; YAML-only ones (\x, \e, \N, …) make JSON.parse fail.
    try {
      return JSON.parse(text.slice(start - 1, j + 1)) as string;
    } catch {
      return bail();
    }
  }

  /** Spaces, line breaks and comments inside a flow collection; continuation lines must be indented. */
  private flowSpace(indent: number): void {
    const { text, n } = this;
    let afterSpace = false;
    while (this.pos < n) {
      const c = text.charCodeAt(this.pos);
      if (c === SPACE) {
        this.pos++;
        afterSpace = true;
      } else if (c === NL) {
        this.pos++;
        let i = this.pos;
        while (i < n && text.charCodeAt(i) === SPACE) i++;
        const d = this.at(i);
        if (d !== NL && i - this.pos <= indent) bail();
        this.pos = i;
        afterSpace = true;
      } else if (c === HASH && afterSpace) {
        const eol = text.indexOf("\n", this.pos);
        this.pos = eol < 0 ? n : eol;
      } else return;
    }
    bail(); // an unclosed collection
  }

  private flow(indent: number, depth: number): unknown {
    this.count(depth);
    const open = this.at(this.pos);
    this.pos++;
    const close = open === LBRACKET ? RBRACKET : RBRACE;
    const list: unknown[] = [];
    const map: Record<string, unknown> = {};
    const keys = new Set<string>();
    for (;;) {
      this.flowSpace(indent);
      if (this.at(this.pos) === close) break;
      if (close === RBRACKET) {
        list.push(this.flowValue(indent, depth));
        if (list.length > this.limits.maxArrayLength) bail();
      } else {
        const key = this.flowKey(indent);
        if (keys.has(key) || key === "__proto__") bail();
        keys.add(key);
        map[key] = this.flowValue(indent, depth);
      }
      this.flowSpace(indent);
      const c = this.at(this.pos);
      if (c === COMMA) this.pos++;
      else if (c !== close) bail();
    }
    this.pos++;
    return close === RBRACKET ? list : map;
  }

  /** A key and its colon in a flow mapping; leaves `pos` after the colon. */
  private flowKey(indent: number): string {
    const c = this.at(this.pos);
    let key: string;
    if (c === SQUOTE || c === DQUOTE) {
      key = this.quotedKey();
      if (this.at(this.pos) !== COLON) bail();
      this.pos++;
    } else {
      if (this.json) bail();
      const start = this.pos;
      let i = start;
      while (i < this.n) {
        const d = this.text.charCodeAt(i);
        if (d === COLON || d === COMMA || d === SPACE || d === NL || d === RBRACE) break;
        i++;
      }
      key = this.text.slice(start, i);
      if (!PLAIN_KEY.test(key) || NOT_STRING_KEY.test(key)) bail();
      if (this.at(i) !== COLON) bail();
      const after = this.at(i + 1);
      if (after !== SPACE && after !== NL) bail();
      this.pos = i + 1;
    }
    if (key.length > MAX_KEY) bail();
    this.flowSpace(indent);
    const v = this.at(this.pos);
    if (v === COMMA || v === RBRACE) bail(); // an empty value
    return key;
  }

  private flowValue(indent: number, depth: number): unknown {
    const c = this.at(this.pos);
    if (c === LBRACE || c === LBRACKET) return this.flow(indent, depth + 1);
    if (c === SQUOTE || c === DQUOTE) {
      this.count();
      const s = this.quoted();
      if (this.at(this.pos) === COLON) bail(); // a single-pair map in a list
      return s;
    }
    const { text, n } = this;
    const start = this.pos;
    this.plainStart(true);
    let i = start;
    let end = start;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === COMMA || d === RBRACKET || d === RBRACE || d === NL) break;
      if (d === HASH && text.charCodeAt(i - 1) === SPACE) break;
      if (d === COLON || d === LBRACKET || d === LBRACE) bail();
      if (d !== SPACE) end = i + 1;
      i++;
    }
    this.pos = end;
    return this.resolve(text.slice(start, end));
  }
}
