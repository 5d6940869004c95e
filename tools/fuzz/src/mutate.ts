import fc from "fast-check";

/**
 * Arbitraries for the spec fuzzer: structure-aware mutations of real specs (parsed to data, changed,
 * printed back as YAML/JSON), text-level damage, YAML features (anchors, aliases, merge keys, tags) and
 * hostile JS objects for the API. Test-only: nothing in the library imports this.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values a mutation may put anywhere: wrong types, huge numbers, reserved names, long strings. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, 0, -1, 1e9, 2 ** 53, 1.5, "", "same", "valid", "__proto__", "x", [], {}),
  fc.integer({ min: -5, max: 100_000 }),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer({ min: 0, max: 64 }), { maxLength: 5 }),
  fc.nat({ max: 3000 }).map((n) => "a".repeat(n)),
);

const isObj = (v: Json): v is { [k: string]: Json } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every path of containers in `v`, so a mutation can pick one. */
function containers(
  v: Json,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (Array.isArray(v)) {
    out.push(at);
    for (let i = 0; i < v.length; i++) containers(v[i] as Json, [...at, i], out);
  } else if (isObj(v)) {
    out.push(at);
    for (const k of Object.keys(v)) containers(v[k] as Json, [...at, k], out);
  }
  return out;
}

function get(v: Json, path: (string | number)[]): Json {
  let cur: Json = v;
  for (const p of path) cur = (cur as Record<string | number, Json>)[p] as Json;
  return cur;
}

type Edit = { pick: number; key: number; value: Json; op: "set" | "delete" | "dup" | "grow" };

const editArb: fc.Arbitrary<Edit> = fc.record({
  pick: fc.nat(),
  key: fc.nat(),
  value: hostileValue,
  op: fc.constantFrom("set", "delete", "dup", "grow"),
});

/** Applies edits to a deep copy of `doc`: replace, delete or duplicate a field or element, or grow a list. */
export function applyEdits(doc: Json, edits: readonly Edit[]): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  for (const e of edits) {
    const all = containers(copy);
    const target = get(copy, all[e.pick % all.length] ?? []);
    // A fresh copy per insertion: a shared `[]` placed inside itself would make the document cyclic.
    const value = (): Json => JSON.parse(JSON.stringify(e.value)) as Json;
    if (Array.isArray(target)) {
      const i = target.length === 0 ? 0 : e.key % target.length;
      if (e.op === "delete") target.splice(i, 1);
      else if (e.op === "dup") target.push(target[i] ?? value());
      else if (e.op === "grow") for (let k = 0; k < 200; k++) target.push(value());
      else target[i] = value();
    } else if (isObj(target)) {
      const keys = Object.keys(target);
      const k = keys.length === 0 ? "x" : (keys[e.key % keys.length] as string);
      if (e.op === "delete") delete target[k];
      else if (e.op === "dup") target[`${k}_${e.key % 7}`] = target[k] ?? value();
      else if (e.op === "grow") target[k] = Array.from({ length: 50 }, () => value());
      else target[k] = value();
    }
  }
  return copy;
}

/** Structure-aware mutants of `doc`, as data. */
export const mutatedDoc = (doc: Json): fc.Arbitrary<Json> =>
  fc.array(editArb, { minLength: 1, maxLength: 6 }).map((edits) => applyEdits(doc, edits));

/** Text damage: cut, duplicate, insert junk (brackets, colons, tabs, YAML indicators) or flip a byte. */
export const damagedText = (text: string): fc.Arbitrary<string> =>
  fc
    .record({
      at: fc.nat({ max: Math.max(0, text.length) }),
      len: fc.nat({ max: 200 }),
      junk: fc.oneof(
        fc.constantFrom(
          "]",
          "[",
          "{",
          "}",
          ":",
          "- ",
          "\t",
          "&a ",
          "*a",
          "<<: *a",
          "!!str ",
          "!!binary ",
          "\u0000",
          "'",
          '"',
          "#",
          "---\n",
          "%YAML 1.1\n",
        ),
        fc.string({ maxLength: 20 }),
      ),
      times: fc.integer({ min: 1, max: 2000 }),
      kind: fc.constantFrom("cut", "dup", "insert", "flip"),
    })
    .map(({ at, len, junk, times, kind }) => {
      if (kind === "cut") return text.slice(0, at) + text.slice(at + len);
      if (kind === "dup") return text.slice(0, at + len) + text.slice(at, at + len) + text.slice(at);
      if (kind === "insert") return text.slice(0, at) + junk.repeat(times) + text.slice(at);
      const c = text.charCodeAt(at) ^ (1 + (len % 127));
      return text.slice(0, at) + String.fromCharCode(c) + text.slice(at + 1);
    });

/** YAML feature documents: anchors and aliases (incl. nested bombs), merge keys and tags around a valid spec. */
export const yamlFeatures: fc.Arbitrary<string> = fc
  .record({
    fan: fc.integer({ min: 1, max: 12 }),
    depth: fc.integer({ min: 1, max: 8 }),
    tag: fc.constantFrom("", "!!str ", "!!int ", "!!map ", "!!seq ", "!custom ", "!!set ", "!!omap "),
    merge: fc.boolean(),
  })
  .map(({ fan, depth, tag, merge }) => {
    const lines = ["fusegraph: 1", "name: fz", "a0: &a0 [1]"];
    for (let d = 1; d <= depth; d++)
      lines.push(
        `a${d}: &a${d} [${Array(fan)
          .fill(`*a${d - 1}`)
          .join(", ")}]`,
      );
    lines.push("base: &base { op: activation, fn: relu }", "inputs:", `  x: ${tag}[4, 4, 2]`, "nodes:");
    lines.push(merge ? "  r: { <<: *base, input: x }" : "  r: { op: activation, input: x, fn: relu }");
    lines.push(`  s: { op: dense, input: r, units: ${tag}3 }`, "outputs: [s]");
    return lines.join("\n");
  });

/** Hostile objects for the API: sparse and huge arrays, throwing getters, proxies, `__proto__` keys, cycles. */
export const hostileObject = (doc: Json): fc.Arbitrary<unknown> =>
  fc
    .record({
      kind: fc.constantFrom("sparse", "getter", "proxy", "proto", "cycle", "class", "symbol", "bigLength"),
      key: fc.constantFrom("outputs", "inputs", "nodes", "name", "fusegraph"),
    })
    .map(({ kind, key }) => {
      const base = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
      if (kind === "sparse" || kind === "bigLength") {
        const a: unknown[] = [];
        a.length = kind === "sparse" ? 2 ** 32 - 1 : 5_000_000;
        base[key] = a;
      } else if (kind === "getter")
        Object.defineProperty(base, key, {
          enumerable: true,
          get() {
            throw new Error("getter");
          },
        });
      else if (kind === "proxy")
        return new Proxy(base, {
          get(t, p) {
            if (p === key) throw new Error("proxy");
            return Reflect.get(t, p);
          },
        });
      else if (kind === "proto")
        return JSON.parse(
          `{"__proto__": {"polluted": 1}, "fusegraph": 1, "nodes": {"__proto__": {"op": "dense"}}}`,
        );
      else if (kind === "cycle") base[key] = base;
      else if (kind === "class") base[key] = new Map([["a", 1]]);
      else base[key] = Symbol("s");
      return base;
    });

export type { Json };

/** Values each param may take in a tweak: plausible ones, so most tweaked documents stay valid. */
const TWEAKS: Readonly<Record<string, readonly Json[]>> = {
  kernelSize: [1, 2, 3, [1, 3], [3, 1]],
  strides: [1, 2, [1, 2]],
  dilation: [1, 2],
  poolSize: [1, 2, 3],
  factor: [1, 2, [2, 1]],
  padding: ["same", "valid", 1, [0, 1, 1, 0]],
  fn: ["relu", "sigmoid", "tanh", "softmax", "leakyRelu"],
  merge: ["add", "concat", "weightedAdd", "conv1x1Add", "multiply"],
  filters: [1, 2, 3, 5],
  units: [1, 2, 4],
  channels: [1, 3, 4],
  groups: [1, 2],
  axis: [-1, 1, 2, 3, 0],
  useBias: [true, false],
  epsilon: [1e-3, 1e-5, 0],
  rate: [0, 0.5],
  repeat: [1, 2, 3],
  returnSequences: [true, false],
  ceilMode: [true, false],
  alpha: [0, 0.2, 3],
};

type Tweak = { pick: number; choice: number; op: "param" | "rewire" | "drop" | "output" };

/** Paths of every object holding key `k` (or any tweakable key when `k` is undefined). */
function holders(
  v: Json,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (Array.isArray(v)) for (const [i, x] of v.entries()) holders(x, [...at, i], out);
  else if (isObj(v)) {
    if (Object.keys(v).some((k) => k in TWEAKS || k === "input" || k === "inputs")) out.push(at);
    for (const k of Object.keys(v)) holders(v[k] as Json, [...at, k], out);
  }
  return out;
}

/** Ids a node may read: the document's inputs and top-level nodes. */
function ids(doc: Json): string[] {
  if (!isObj(doc)) return [];
  const keys = (v: Json | undefined) => (v !== undefined && isObj(v) ? Object.keys(v) : []);
  return [...keys(doc.inputs), ...keys(doc.nodes)];
}

/**
 * Applies plausible edits to a deep copy: set a param to another plausible value, rewire an input to
 * another id, drop a node, or add a node as an output. Unlike {@link applyEdits}, about half the
 * results still validate, which the backends need.
 */
export function applyTweaks(doc: Json, tweaks: readonly Tweak[]): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  for (const t of tweaks) {
    const names = ids(copy);
    if (!isObj(copy)) break;
    if (t.op === "drop" || t.op === "output") {
      const nodes = copy.nodes;
      if (!nodes || !isObj(nodes)) continue;
      const keys = Object.keys(nodes);
      const k = keys[t.pick % Math.max(1, keys.length)];
      if (k === undefined) continue;
      if (t.op === "drop") delete nodes[k];
      else if (Array.isArray(copy.outputs)) copy.outputs.push(k);
      continue;
    }
    const all = holders(copy);
    const target = all.length === 0 ? undefined : get(copy, all[t.pick % all.length]!);
    if (!target || !isObj(target)) continue;
    if (t.op === "rewire") {
      const id = names[t.choice % Math.max(1, names.length)];
      if (id === undefined) continue;
      if (typeof target.input === "string") target.input = id;
      else if (Array.isArray(target.inputs) && target.inputs.length > 0)
        target.inputs[t.choice % target.inputs.length] = id;
      continue;
    }
    const keys = Object.keys(target).filter((k) => k in TWEAKS);
    const k = keys[t.choice % Math.max(1, keys.length)];
    if (k === undefined) continue;
    const values = TWEAKS[k]!;
    target[k] = JSON.parse(JSON.stringify(values[(t.choice >>> 3) % values.length])) as Json;
  }
  return copy;
}

const tweakArb: fc.Arbitrary<Tweak> = fc.record({
  pick: fc.nat(),
  choice: fc.nat(),
  op: fc.constantFrom("param", "param", "param", "rewire", "drop", "output"),
});

/** Plausible mutants of `doc` (see {@link applyTweaks}), as data. */
export const tweakedDoc = (doc: Json): fc.Arbitrary<Json> =>
  fc.array(tweakArb, { minLength: 1, maxLength: 4 }).map((t) => applyTweaks(doc, t));
