// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${expr}` templates are what these tests exercise
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SpecIssue } from "../issues.js";
import { EXPR_LIMITS, type ExprResult, evaluateExpr, substitute } from "./expr.js";

const env = new Map<string, unknown>([
  ["width", 64],
  ["stride", 2],
  ["inC", 256],
  ["flag", true],
  ["padding", "same"],
  ["shape", [3, 3]],
  ["eps", 1e-5],
]);

const value = (r: ExprResult) => (r.ok ? r.value : `error: ${r.message}`);

describe("evaluateExpr", () => {
  it.each([
    ["width * 4", 256],
    ["2 + 3 * 4", 14],
    ["(2 + 3) * 4", 20],
    ["10 - 3 - 2", 5],
    ["12 / 4 / 3", 1],
    ["-7 // 2", -4],
    ["7 // -2", -4],
    ["-7 % 3", 2],
    ["7 % -3", -2],
    ["- -5", 5],
    ["min(width, inC) + max(1, stride)", 66],
    ["stride != 1 || inC != width * 4", true],
    ["stride == 2 && !flag", false],
    ["1 < 2 == true", true],
    ["width >= 64 ? width / 2 : width", 32],
    ["stride == 1 ? 1 : stride == 2 ? 22 : 33", 22],
    ["false ? 1 : true ? 2 : 3", 2],
    ["  width  ", 64],
  ])("%s = %s", (text, expected) => {
    expect(value(evaluateExpr(text, env))).toBe(expected);
  });

  it("short-circuits so an untaken branch may not divide by zero", () => {
    expect(value(evaluateExpr("stride == 0 ? 8 / 0 : 8", env))).toBe(8);
    expect(value(evaluateExpr("false && 1 / 0 == 1", env))).toBe(false);
    expect(value(evaluateExpr("true || 1 / 0 == 1", env))).toBe(true);
  });

  it.each([
    ["1 / 0", "invalid_params", /division by zero/],
    ["7 % 0", "invalid_params", /division by zero/],
    ["7 / 2", "invalid_params", /7 \/ 2 is not an integer/],
    ["9007199254740991 + 1", "invalid_params", /safe integer range/],
    ["99999999999999999999", "invalid_params", /safe integer range/],
    ["4096 * 4096 * 4096 * 4096 * 4096", "invalid_params", /safe integer range/],
    ["widh * 4", "block_error", /unknown name "widh".*Did you mean "width"/],
    ["padding + 1", "invalid_params", /"padding" is "same" \(a string\)/],
    ["shape", "invalid_params", /a list/],
    ["eps * 2", "invalid_params", /non-integer/],
    ["flag + 1", "invalid_params", /\+ needs an integer, received true/],
    ["width && flag", "invalid_params", /&& needs true or false, received 64/],
    ["width == flag", "invalid_params", /an integer with a boolean/],
    ["width ? 1 : 2", "invalid_params", /condition of \?:/],
    ["1 +", "invalid_params", /ends too early/],
    ["(1 + 2", "invalid_params", /expected "\)"/],
    ["1 2", "invalid_params", /unexpected "2"/],
    ["width = 3", "invalid_params", /unexpected character "="/],
    [
      "2 ** i",
      "invalid_params",
      /^operator "\*\*" is not supported; the operators are \?: \|\| && == .*min\(a, b\)/,
    ],
    ["1 << i", "invalid_params", /^operator "<<" is not supported; the operators are .* \/\/ % /],
    ["x >> 1", "invalid_params", /^operator ">>" is not supported/],
    ["a & b", "invalid_params", /^operator "&" is not supported/],
    ["a === b", "invalid_params", /^operator "===" is not supported/],
    ["min(1)", "invalid_params", /takes 2 arguments, received 1/],
    ["max(1, 2, 3)", "invalid_params", /takes 2 arguments, received 3/],
    ["", "invalid_params", /empty expression/],
    ["1.5", "invalid_params", /unexpected character "\."/],
    ["constructor", "block_error", /unknown name "constructor"/],
  ])("%s is an issue", (text, code, message) => {
    const r = evaluateExpr(text, env);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message).toMatch(message);
    }
  });

  it("names a refused operator, lists the supported ones and says what to write instead", () => {
    const pow = evaluateExpr("2 ** i", new Map([["i", 3]]));
    expect(pow).toMatchObject({ ok: false, hint: expect.stringContaining("2 * 2 * 2") });
    const shift = evaluateExpr("1 << i", new Map([["i", 3]]));
    expect(shift).toMatchObject({ ok: false, hint: expect.stringContaining("x * 4") });
    // Negative control: the operators the refused ones are built from still work where they belong.
    const env3 = new Map([["i", 3]]);
    expect(value(evaluateExpr("2 * 2 * i", env3))).toBe(12);
    expect(value(evaluateExpr("1 < i && i <= 3 || false", env3))).toBe(true);
    expect(value(evaluateExpr("i == 3 ? 1 : 0", env3))).toBe(1);
  });

  it("bounds length and nesting without overflowing the stack", () => {
    const deep = `${"(".repeat(100_000)}1${")".repeat(100_000)}`;
    const long = evaluateExpr(deep, env);
    expect(long.ok === false && long.code).toBe("limit_exceeded");
    const nested = `${"(".repeat(EXPR_LIMITS.maxDepth + 1)}1${")".repeat(EXPR_LIMITS.maxDepth + 1)}`;
    const r = evaluateExpr(nested, env);
    expect(r.ok === false && r.code).toBe("limit_exceeded");
    expect(value(evaluateExpr(`${"(".repeat(30)}1${")".repeat(30)}`, env))).toBe(1);
    const negs = evaluateExpr(`${"-".repeat(EXPR_LIMITS.maxDepth + 1)}1`, env);
    expect(negs.ok === false && negs.code).toBe("limit_exceeded");
  });

  it("agrees with a BigInt reference on random integer expressions", () => {
    // Trees are rendered with only the parentheses precedence needs (or more, at random), so the
    // property covers the parser's precedence and associativity as well as the arithmetic.
    type T =
      | { k: "lit"; v: number }
      | { k: "id"; name: "a" | "b" }
      | { k: "neg"; e: T }
      | { k: "bin"; op: "+" | "-" | "*" | "/" | "//" | "%"; l: T; r: T }
      | { k: "call"; fn: "min" | "max"; l: T; r: T }
      | { k: "cond"; c: B; t: T; f: T };
    type B =
      | { k: "cmp"; op: "<" | "<=" | ">" | ">=" | "==" | "!="; l: T; r: T }
      | { k: "logic"; op: "&&" | "||"; l: B; r: B }
      | { k: "not"; e: B };
    const { tree } = fc.letrec<{ tree: T; bool: B }>((rec) => ({
      tree: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ k: fc.constant("lit" as const), v: fc.integer({ min: 0, max: 3000 }) }),
        fc.record({ k: fc.constant("id" as const), name: fc.constantFrom("a" as const, "b" as const) }),
        fc.record({ k: fc.constant("neg" as const), e: rec("tree") as fc.Arbitrary<T> }),
        fc.record({
          k: fc.constant("bin" as const),
          op: fc.constantFrom("+", "-", "*", "/", "//", "%") as fc.Arbitrary<"+">,
          l: rec("tree") as fc.Arbitrary<T>,
          r: rec("tree") as fc.Arbitrary<T>,
        }),
        fc.record({
          k: fc.constant("call" as const),
          fn: fc.constantFrom("min" as const, "max" as const),
          l: rec("tree") as fc.Arbitrary<T>,
          r: rec("tree") as fc.Arbitrary<T>,
        }),
        fc.record({
          k: fc.constant("cond" as const),
          c: rec("bool") as fc.Arbitrary<B>,
          t: rec("tree") as fc.Arbitrary<T>,
          f: rec("tree") as fc.Arbitrary<T>,
        }),
      ),
      bool: fc.oneof(
        { depthSize: "small" },
        fc.record({
          k: fc.constant("cmp" as const),
          op: fc.constantFrom("<", "<=", ">", ">=", "==", "!=") as fc.Arbitrary<"<">,
          l: rec("tree") as fc.Arbitrary<T>,
          r: rec("tree") as fc.Arbitrary<T>,
        }),
        fc.record({
          k: fc.constant("logic" as const),
          op: fc.constantFrom("&&" as const, "||" as const),
          l: rec("bool") as fc.Arbitrary<B>,
          r: rec("bool") as fc.Arbitrary<B>,
        }),
        fc.record({ k: fc.constant("not" as const), e: rec("bool") as fc.Arbitrary<B> }),
      ),
    }));

    const MAX = BigInt(Number.MAX_SAFE_INTEGER);
    class Bad {}
    const chk = (v: bigint) => {
      if (v > MAX || v < -MAX) throw new Bad();
      return v;
    };
    const floorDiv = (x: bigint, y: bigint) => {
      const q = x / y;
      return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
    };
    const ref = (t: T, e: Record<string, bigint>): bigint => {
      switch (t.k) {
        case "lit":
          return BigInt(t.v);
        case "id":
          return e[t.name] as bigint;
        case "neg":
          return chk(-ref(t.e, e));
        case "call": {
          const [x, y] = [ref(t.l, e), ref(t.r, e)];
          const [lo, hi] = x <= y ? [x, y] : [y, x]; // BigInts: Math.min/max do not apply
          return t.fn === "min" ? lo : hi;
        }
        case "cond":
          return refB(t.c, e) ? ref(t.t, e) : ref(t.f, e);
        case "bin": {
          const x = ref(t.l, e);
          const y = ref(t.r, e);
          if (t.op === "+") return chk(x + y);
          if (t.op === "-") return chk(x - y);
          if (t.op === "*") return chk(x * y);
          if (y === 0n) throw new Bad();
          if (t.op === "/") {
            if (x % y !== 0n) throw new Bad();
            return x / y;
          }
          const q = floorDiv(x, y);
          return t.op === "//" ? q : x - q * y;
        }
      }
    };
    const refB = (b: B, e: Record<string, bigint>): boolean => {
      if (b.k === "not") return !refB(b.e, e);
      if (b.k === "logic") return b.op === "&&" ? refB(b.l, e) && refB(b.r, e) : refB(b.l, e) || refB(b.r, e);
      const [x, y] = [ref(b.l, e), ref(b.r, e)];
      return { "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x === y, "!=": x !== y }[b.op];
    };

    // Precedence levels as the language defines them; a child binds looser than its slot needs parens.
    const PREC = {
      "||": 1,
      "&&": 2,
      "==": 3,
      "!=": 3,
      "<": 4,
      "<=": 4,
      ">": 4,
      ">=": 4,
      "+": 5,
      "-": 5,
      "*": 6,
      "/": 6,
      "//": 6,
      "%": 6,
    } as const;
    const prec = (t: T | B): number =>
      t.k === "bin" || t.k === "cmp" || t.k === "logic" ? PREC[t.op] : t.k === "cond" ? 0 : 7;
    const wrap = (s: string, need: boolean, extra: boolean) => (need || extra ? `(${s})` : s);
    const show = (t: T | B, extra: () => boolean): string => {
      switch (t.k) {
        case "lit":
          return String(t.v);
        case "id":
          return t.name;
        case "neg":
        case "not":
          return `${t.k === "neg" ? "-" : "!"}${wrap(show(t.e, extra), prec(t.e) < 7, extra())}`;
        case "call":
          return `${t.fn}(${show(t.l, extra)}, ${show(t.r, extra)})`;
        case "cond":
          return `${wrap(show(t.c, extra), prec(t.c) === 0, extra())} ? ${show(t.t, extra)} : ${wrap(show(t.f, extra), false, extra())}`;
        default: {
          const p = prec(t);
          const l = wrap(show(t.l, extra), prec(t.l) < p, extra());
          const r = wrap(show(t.r, extra), prec(t.r) <= p, extra());
          return `${l} ${t.op} ${r}`;
        }
      }
    };

    fc.assert(
      fc.property(
        tree,
        fc.integer({ min: -5000, max: 5000 }),
        fc.integer({ min: -5000, max: 5000 }),
        fc.infiniteStream(fc.boolean()),
        (t, a, b, coins) => {
          const text = show(t, () => coins.next().value);
          fc.pre(text.length <= EXPR_LIMITS.maxChars);
          let expected: bigint | undefined;
          try {
            expected = ref(t, { a: BigInt(a), b: BigInt(b) });
          } catch (e) {
            if (!(e instanceof Bad)) throw e;
          }
          const got = evaluateExpr(
            text,
            new Map([
              ["a", a],
              ["b", b],
            ]),
          );
          if (expected === undefined) {
            expect(got.ok, text).toBe(false);
          } else {
            expect(got.ok && got.value, text).toBe(Number(expected));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("substitute", () => {
  const run = (v: unknown, e: ReadonlyMap<string, unknown> = env) => {
    const issues: SpecIssue[] = [];
    const out = substitute(v, e, { path: ["nodes", "n"], nodeId: "n", report: (i) => issues.push(i) });
    return { out, issues };
  };

  it("replaces whole-string $name with the value of any type, deeply", () => {
    const { out, issues } = run({
      filters: "$width",
      size: ["$stride", 3],
      opt: { pad: "$padding", k: "$shape" },
    });
    expect(issues).toEqual([]);
    expect(out).toEqual({ filters: 64, size: [2, 3], opt: { pad: "same", k: [3, 3] } });
  });

  it("keeps the type of a lone ${expr} and interpolates inside longer strings", () => {
    const { out } = run(["${width * 4}", "${stride == 2}", "conv_${width}x${stride}", "${width}px", "plain"]);
    expect(out).toEqual([256, true, "conv_64x2", "64px", "plain"]);
  });

  it("leaves values without templates as they are", () => {
    const v = { a: 1, b: [true, null, "x$"], c: "cost: 5$" };
    expect(run(v).out).toEqual(v);
  });

  it("reports unknown names with their path and a suggestion, and keeps the text", () => {
    const { out, issues } = run({ k: [1, "$widh"] });
    expect(out).toEqual({ k: [1, "$widh"] });
    expect(issues).toMatchObject([
      { code: "block_error", path: ["nodes", "n", "k", 1], nodeId: "n", received: "$widh" },
    ]);
    expect(issues[0]?.message).toContain('Did you mean "width"?');
  });

  it("reports expression errors with the expression text", () => {
    const { issues } = run({ filters: "${width / 3}", x: "${width", y: "a ${1 / 0} b" });
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ["invalid_params", ["nodes", "n", "filters"]],
      ["invalid_params", ["nodes", "n", "x"]],
      ["invalid_params", ["nodes", "n", "y"]],
    ]);
    expect(issues[0]?.message).toContain("${width / 3}");
    expect(issues[0]?.hint).toBe("use 64 // 3 to round down");
    expect(issues[1]?.message).toContain('without a closing "}"');
  });

  it("does not reach Object.prototype through names or keys", () => {
    const { out, issues } = run({ a: "$constructor", ["__proto__"]: 1 }, new Map());
    expect(issues).toHaveLength(1);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe("docs/expressions.md", () => {
  const doc = readFileSync(new URL("../../../../docs/expressions.md", import.meta.url), "utf8");
  // The example table's rows: `| \`expr\` | \`value\` |`, with `\|` standing for `|` inside cells.
  const rows = [...doc.matchAll(/^\| `([^`]+)` +\| `(-?\d+|true|false)` +\|$/gm)].map((m) => ({
    text: (m[1] ?? "").replaceAll("\\|", "|"),
    shown: m[2] ?? "",
  }));
  const docEnv = new Map<string, unknown>([
    ["i", 1],
    ["n", 3],
    ["width", 64],
    ["stride", 2],
  ]);

  it("shows examples whose values are what evaluateExpr gives", () => {
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const { text, shown } of rows) expect(String(value(evaluateExpr(text, docEnv))), text).toBe(shown);
    // Negative control: the same comparison notices a wrong value.
    expect(String(value(evaluateExpr("width * 4", docEnv)))).not.toBe("255");
  });

  it("documents the refused operators and the bounds the parser enforces", () => {
    for (const op of ["**", "<<", ">>", "&", "^", "~", "==="]) {
      expect(doc).toContain(`\`${op}\``);
      expect(evaluateExpr(`1 ${op} 2`, docEnv).ok, op).toBe(false);
    }
    expect(doc).toContain(`at most ${EXPR_LIMITS.maxChars.toLocaleString("en-US")} characters`);
    expect(doc).toContain(`at most ${EXPR_LIMITS.maxDepth} deep`);
  });
});
