import type { ParseOptions } from "@fusegraph/dsl";
import fc from "fast-check";
import { stringify as stringifyYaml } from "yaml";
import { damagedText, hostileObject, type Json, mutatedDoc, tweakedDoc, yamlFeatures } from "./mutate.js";
import { optionsFor, SEEDS, type Seed } from "./seeds.js";

/** One fuzzed input: a spec text or a JS object for the API, and how to load it. */
export interface Case {
  label: string;
  input: unknown;
  opts?: ParseOptions;
  /** The input as text to print and save when it fails (absent for objects JSON cannot hold). */
  text?: string;
  /** `json` or `yaml` for a text case. */
  format?: "json" | "yaml";
}

/** The three forms a mutant document is fed in: YAML text, JSON text, and the object itself. */
function forms(seed: Seed, m: Json, tag: string): fc.Arbitrary<Case> {
  const opts = optionsFor(seed.file);
  // NOTE: only the chosen form is printed; printing all three would double the generation time.
  return fc.constantFrom("yaml", "json", "object").map((form): Case => {
    const label = `${seed.name} ${tag} (${form})`;
    if (form === "yaml") {
      const text = stringifyYaml(m);
      return { label, input: text, opts: { ...opts, format: "yaml" }, text, format: "yaml" };
    }
    const text = JSON.stringify(m);
    if (form === "json")
      return { label, input: text, opts: { ...opts, format: "json" }, text, format: "json" };
    return { label, input: m, opts, text, format: "json" };
  });
}

const seedArb = fc.constantFrom(...SEEDS);

/** Structure-aware mutants of every seed, in each form. */
export const mutantCase: fc.Arbitrary<Case> = seedArb.chain((s) =>
  mutatedDoc(s.doc).chain((m) => forms(s, m, "mutated")),
);

/** Text damage of every seed. */
export const damagedCase: fc.Arbitrary<Case> = seedArb.chain((s) =>
  damagedText(s.text).map(
    (t): Case => ({ label: `${s.name} damaged`, input: t, opts: optionsFor(s.file), text: t }),
  ),
);

export const yamlFeatureCase: fc.Arbitrary<Case> = yamlFeatures.map(
  (t): Case => ({ label: "yaml features", input: t, text: t, format: "yaml" }),
);

/** Hostile JS objects (getters, proxies, cycles, huge sparse arrays) for the API; no text form. */
export const hostileCase: fc.Arbitrary<Case> = seedArb.chain((s) =>
  hostileObject(s.doc).map((o): Case => ({ label: `${s.name} hostile`, input: o, opts: optionsFor(s.file) })),
);

/** Every kind of dsl input, as the issue asks: mutated, damaged, YAML features, hostile objects. */
export const dslCase: fc.Arbitrary<Case> = fc.oneof(mutantCase, damagedCase, yamlFeatureCase, hostileCase);

// Caps that make a seed small enough for both backends to run it in milliseconds.
const MAX_SPATIAL = 12;
const MAX_CHANNELS = 4;
const MAX_WIDTH = 6;
const WIDTH_KEYS = new Set(["filters", "units", "width", "channels", "growth", "growthRate", "features"]);

/**
 * A small twin of a seed: spatial dims of inputs capped to a multiple of 4 no larger than
 * {@link MAX_SPATIAL} (U-Net-style nets need even sizes), channels to {@link MAX_CHANNELS}, every
 * filters/units/width to {@link MAX_WIDTH} and every `repeat` to 2. Not every twin is valid (a net that
 * needs 64x64 to stride down refuses 12x12); invalid twins are simply not run by the backends.
 */
export function miniature(doc: Json): Json {
  const walk = (v: Json, key: string | undefined, inInputs: boolean): Json => {
    if (Array.isArray(v)) {
      if (inInputs && v.every((d) => typeof d === "number"))
        return v.map((d, i) =>
          i === v.length - 1
            ? Math.min(d as number, MAX_CHANNELS)
            : Math.min(d as number, MAX_SPATIAL - (MAX_SPATIAL % 4)),
        );
      return v.map((x) => walk(x, undefined, inInputs));
    }
    if (v !== null && typeof v === "object") {
      const out: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v))
        out[k] = walk(x, k, inInputs || (key === undefined && k === "inputs"));
      return out;
    }
    if (typeof v === "number" && key !== undefined) {
      if (WIDTH_KEYS.has(key)) return Math.min(v, MAX_WIDTH);
      if (key === "repeat") return Math.min(v, 2);
    }
    return v;
  };
  return walk(doc, undefined, false);
}

/** Small twins of every seed, mutated: the documents the backends and the heavy CLI commands run. */
export const smallCase: fc.Arbitrary<Case> = seedArb.chain((s) => {
  const mini = miniature(s.doc);
  return fc.oneof(
    { weight: 1, arbitrary: forms(s, mini, "small") },
    { weight: 6, arbitrary: tweakedDoc(mini).chain((m) => forms(s, m, "small tweaked")) },
    { weight: 1, arbitrary: mutatedDoc(mini).chain((m) => forms(s, m, "small mutated")) },
  );
});
