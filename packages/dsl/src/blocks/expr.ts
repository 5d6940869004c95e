import { type IssueCode, issue, type SpecIssue, type SpecPath } from "../issues.js";
import { didYouMeanText } from "../suggest.js";

/**
 * The small expression language of block templates, evaluated by a hand-written parser (never `eval`
 * or `Function`), so a spec can compute `${width * 4}` but can do nothing else.
 *
 * Values are safe integers and booleans. Operators, loosest first: `c ? a : b`, `||`, `&&`,
 * `== !=`, `< <= > >=`, `+ -`, `* / // %`, unary `- !`; plus `min(a, b)`, `max(a, b)` and parentheses.
 * `a / b` is exact integer division (an issue when b does not divide a); `a // b` floors, and `a % b`
 * takes the sign of b, so `a == (a // b) * b + a % b` always holds (Python's convention).
 * `&&`, `||` and `?:` short-circuit, so `n > 0 ? 12 / n : 0` never divides by zero.
 */

export type ExprValue = number | boolean;
/** Names an expression may read: block params, the instance index `i` and the repeat count `n`. */
export type ExprEnv = ReadonlyMap<string, unknown>;

export const EXPR_LIMITS = {
  /** Characters of one expression. */
  maxChars: 1_000,
  /** Nesting of parentheses, unary operators, ternaries and calls. */
  maxDepth: 64,
} as const;

export type ExprResult =
  | { ok: true; value: ExprValue }
  | { ok: false; code: IssueCode; message: string; hint?: string };

type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||";

type Ast =
  | { k: "lit"; v: ExprValue }
  | { k: "id"; name: string }
  | { k: "neg" | "not"; e: Ast }
  | { k: "bin"; op: BinaryOp; l: Ast; r: Ast }
  | { k: "cond"; c: Ast; t: Ast; f: Ast }
  | { k: "call"; fn: "min" | "max"; args: Ast[] };

/** Thrown inside this module only; `evaluateExpr` turns it into a result. */
class ExprFailure {
  constructor(
    readonly code: IssueCode,
    readonly message: string,
    readonly hint?: string,
  ) {}
}

const fail = (message: string, hint?: string): never => {
  throw new ExprFailure("invalid_params", message, hint);
};

/** Every operator the language has, loosest first, as error messages list them. */
export const SUPPORTED_OPERATORS =
  "?: || && == != < <= > >= + - * / // % unary - !, parentheses, min(a, b) and max(a, b)";

/**
 * Operators from other languages that fusegraph does not have. They are tokens of their own so that
 * `2 ** i` says "** is not supported" instead of "unexpected *", with what to write instead.
 */
const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ["**", "write the product out (2 * 2 * 2), or pass the power as a block param"],
  ["<<", "multiply by a power of two instead (x * 4 for x << 2), or pass it as a block param"],
  [">>>", "floor-divide by a power of two instead (x // 4 for x >> 2)"],
  [">>", "floor-divide by a power of two instead (x // 4 for x >> 2)"],
  ["===", "use == (values are never coerced)"],
  ["!==", "use != (values are never coerced)"],
  ["&", "bitwise operators are not supported; use && for booleans"],
  ["|", "bitwise operators are not supported; use || for booleans"],
  ["^", "bitwise operators are not supported; for a power write the product out"],
  ["~", "bitwise operators are not supported; use - or !"],
]);

// NOTE: longer operators come first in the alternation so that `**` is not read as `*` `*`,
// `===` as `==` `=`, `&&` as `&` `&`.
const TOKEN =
  /\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|<<|>>>|>>|===|!==|\/\/|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:(),&|^~]))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      const rest = text.slice(at).trimStart();
      if (rest === "") break;
      return fail(
        `unexpected character "${rest[0]}"`,
        `expressions use integers, true, false, names and ${SUPPORTED_OPERATORS}`,
      );
    }
    const token = m[0].trim();
    const instead = UNSUPPORTED.get(token);
    if (instead !== undefined) {
      return fail(`operator "${token}" is not supported; the operators are ${SUPPORTED_OPERATORS}`, instead);
    }
    tokens.push(token);
  }
  return tokens;
}

const LEVELS: readonly (readonly BinaryOp[])[] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "//", "%"],
];

/** Recursive descent with an explicit depth bound, so `((((…` fails cleanly instead of overflowing. */
class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly string[]) {}

  parse(): Ast {
    if (this.tokens.length === 0) fail("empty expression");
    const e = this.ternary();
    if (this.pos < this.tokens.length) fail(`unexpected "${this.tokens[this.pos]}"`);
    return e;
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private expect(t: string): void {
    const got = this.tokens[this.pos];
    if (got !== t) fail(got === undefined ? `expected "${t}" at the end` : `expected "${t}", found "${got}"`);
    this.pos++;
  }

  private enter(): void {
    if (++this.depth > EXPR_LIMITS.maxDepth) {
      throw new ExprFailure(
        "limit_exceeded",
        `expression nests deeper than ${EXPR_LIMITS.maxDepth} levels`,
        "split it into block params",
      );
    }
  }

  private ternary(): Ast {
    this.enter();
    const c = this.binary(0);
    let out = c;
    if (this.peek() === "?") {
      this.pos++;
      const t = this.ternary();
      this.expect(":");
      const f = this.ternary();
      out = { k: "cond", c, t, f };
    }
    this.depth--;
    return out;
  }

  private binary(level: number): Ast {
    const ops = LEVELS[level];
    if (!ops) return this.unary();
    let l = this.binary(level + 1);
    for (let t = this.peek(); t !== undefined && (ops as readonly string[]).includes(t); t = this.peek()) {
      this.pos++;
      l = { k: "bin", op: t as BinaryOp, l, r: this.binary(level + 1) };
    }
    return l;
  }

  private unary(): Ast {
    const t = this.peek();
    if (t === "-" || t === "!") {
      this.pos++;
      this.enter();
      const e = this.unary();
      this.depth--;
      return { k: t === "-" ? "neg" : "not", e };
    }
    return this.primary();
  }

  private primary(): Ast {
    const t = this.tokens[this.pos++];
    if (t === undefined) return fail("expression ends too early");
    if (t === "(") {
      const e = this.ternary();
      this.expect(")");
      return e;
    }
    if (/^\d/.test(t)) {
      const v = Number(t);
      if (!Number.isSafeInteger(v)) fail(`${t} is beyond the safe integer range ±${Number.MAX_SAFE_INTEGER}`);
      return { k: "lit", v };
    }
    if (t === "true" || t === "false") return { k: "lit", v: t === "true" };
    if (/^[A-Za-z_]/.test(t)) {
      if ((t === "min" || t === "max") && this.peek() === "(") {
        this.pos++;
        this.enter();
        const args = [this.ternary()];
        while (this.peek() === ",") {
          this.pos++;
          args.push(this.ternary());
        }
        this.expect(")");
        this.depth--;
        if (args.length !== 2) fail(`${t}() takes 2 arguments, received ${args.length}`);
        return { k: "call", fn: t, args };
      }
      return { k: "id", name: t };
    }
    return fail(`unexpected "${t}"`);
  }
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a non-integer number";
  return `a ${typeof v}`;
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

function int(v: ExprValue, what: string): number {
  if (typeof v !== "number") return fail(`${what} needs an integer, received ${v}`);
  return v;
}

function bool(v: ExprValue, what: string): boolean {
  if (typeof v !== "boolean") return fail(`${what} needs true or false, received ${v}`);
  return v;
}

function safe(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) {
    fail(`${what} = ${v} leaves the safe integer range ±${Number.MAX_SAFE_INTEGER}`);
  }
  return v === 0 ? 0 : v; // NOTE: normalises -0 (from e.g. -0 * 3) so results compare equal to 0.
}

function evaluate(e: Ast, env: ExprEnv): ExprValue {
  switch (e.k) {
    case "lit":
      return e.v;
    case "id": {
      if (!env.has(e.name)) {
        throw new ExprFailure(
          "block_error",
          `unknown name "${e.name}".${didYouMeanText(e.name, env.keys())}`,
          env.size > 0 ? `known here: ${[...env.keys()].join(", ")}` : "no block params are in scope here",
        );
      }
      const v = env.get(e.name);
      if (typeof v === "boolean" || (typeof v === "number" && Number.isSafeInteger(v))) return v;
      return fail(
        `"${e.name}" is ${show(v)} (${typeName(v)}); expressions compute with integers and booleans`,
      );
    }
    case "neg":
      return safe(-int(evaluate(e.e, env), "unary -"), "-x");
    case "not":
      return !bool(evaluate(e.e, env), "!");
    case "cond":
      return bool(evaluate(e.c, env), "the condition of ?:") ? evaluate(e.t, env) : evaluate(e.f, env);
    case "call": {
      const [a, b] = e.args.map((x) => int(evaluate(x, env), `${e.fn}()`)) as [number, number];
      return e.fn === "min" ? Math.min(a, b) : Math.max(a, b);
    }
    case "bin":
      return binary(e.op, e.l, e.r, env);
  }
}

function binary(op: BinaryOp, l: Ast, r: Ast, env: ExprEnv): ExprValue {
  if (op === "&&") return bool(evaluate(l, env), "&&") && bool(evaluate(r, env), "&&");
  if (op === "||") return bool(evaluate(l, env), "||") || bool(evaluate(r, env), "||");
  const a = evaluate(l, env);
  const b = evaluate(r, env);
  if (op === "==" || op === "!=") {
    if (typeof a !== typeof b) fail(`${op} compares ${a} with ${b}: an integer with a boolean`);
    return (a === b) === (op === "==");
  }
  const x = int(a, op);
  const y = int(b, op);
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
    case "+":
      return safe(x + y, `${x} + ${y}`);
    case "-":
      return safe(x - y, `${x} - ${y}`);
    case "*":
      return safe(x * y, `${x} * ${y}`);
  }
  if (y === 0) return fail(`division by zero in ${x} ${op} ${y}`);
  if (op === "/") {
    if (x % y !== 0) return fail(`${x} / ${y} is not an integer`, `use ${x} // ${y} to round down`);
    return safe(x / y, `${x} / ${y}`);
  }
  if (op === "//") return safe(Math.floor(x / y), `${x} // ${y}`);
  return safe(((x % y) + y) % y, `${x} % ${y}`);
}

/** Evaluates one expression (the text between `${` and `}`) against `env`. */
export function evaluateExpr(text: string, env: ExprEnv): ExprResult {
  if (text.length > EXPR_LIMITS.maxChars) {
    return {
      ok: false,
      code: "limit_exceeded",
      message: `expression is ${text.length} characters long, more than ${EXPR_LIMITS.maxChars}`,
      hint: "split it into block params",
    };
  }
  try {
    return { ok: true, value: evaluate(new Parser(tokenize(text)).parse(), env) };
  } catch (e) {
    if (!(e instanceof ExprFailure)) throw e;
    return e.hint === undefined
      ? { ok: false, code: e.code, message: e.message }
      : { ok: false, code: e.code, message: e.message, hint: e.hint };
  }
}

const WHOLE_NAME = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;

/** Where a substitution happens, for the issues it reports. */
export interface SubstituteSite {
  path: SpecPath;
  /** The node being expanded, e.g. `layer1.0/conv2`, named in messages. */
  nodeId?: string;
  report(issue: SpecIssue): void;
}

/**
 * Replaces templates in a param value, deeply through objects and arrays:
 * a whole string `$name` becomes the value of `name` (any type), a whole string `${expr}` becomes the
 * expression's value (integer or boolean), and `${expr}` inside a longer string is interpolated.
 * Other values are returned as they are. On a problem the issue is reported and the text kept.
 */
export function substitute(value: unknown, env: ExprEnv, site: SubstituteSite): unknown {
  return subst(value, env, site, [...site.path]);
}

function subst(value: unknown, env: ExprEnv, site: SubstituteSite, path: (string | number)[]): unknown {
  if (typeof value === "string") return substString(value, env, site, path);
  if (Array.isArray(value)) return value.map((v, j) => subst(v, env, site, [...path, j]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const w = subst(v, env, site, [...path, k]);
      // NOTE: a plain `out[k] =` with k = "__proto__" would set the prototype instead of a key.
      if (k === "__proto__")
        Object.defineProperty(out, k, { value: w, enumerable: true, writable: true, configurable: true });
      else out[k] = w;
    }
    return out;
  }
  return value;
}

function substString(s: string, env: ExprEnv, site: SubstituteSite, path: SpecPath): unknown {
  if (!s.includes("$")) return s;
  const where = site.nodeId === undefined ? "" : `node "${site.nodeId}": `;
  const name = WHOLE_NAME.exec(s)?.[1];
  if (name !== undefined) {
    if (env.has(name)) return env.get(name);
    site.report(
      issue("block_error", path, `${where}"${s}" names no param.${didYouMeanText(name, env.keys())}`, {
        ...(site.nodeId === undefined ? {} : { nodeId: site.nodeId }),
        received: s,
        hint:
          env.size > 0 ? `known here: ${[...env.keys()].join(", ")}` : "no block params are in scope here",
      }),
    );
    return s;
  }
  const parts: (string | ExprValue)[] = [];
  let rest = 0;
  for (let open = s.indexOf("${"); open >= 0; open = s.indexOf("${", rest)) {
    const close = s.indexOf("}", open);
    if (close < 0) {
      site.report(
        issue("invalid_params", path, `${where}"${s}": "\${" without a closing "}"`, {
          ...(site.nodeId === undefined ? {} : { nodeId: site.nodeId }),
          received: s,
        }),
      );
      return s;
    }
    parts.push(s.slice(rest, open));
    const text = s.slice(open + 2, close);
    const r = evaluateExpr(text, env);
    if (!r.ok) {
      site.report(
        issue(r.code, path, `${where}in "\${${text}}": ${r.message}`, {
          ...(site.nodeId === undefined ? {} : { nodeId: site.nodeId }),
          received: s,
          ...(r.hint === undefined ? {} : { hint: r.hint }),
        }),
      );
      return s;
    }
    parts.push(r.value);
    rest = close + 1;
  }
  parts.push(s.slice(rest));
  // A lone `${expr}` keeps its type; anything around it makes a string.
  if (parts.length === 3 && parts[0] === "" && parts[2] === "") return parts[1];
  return parts.join("");
}
