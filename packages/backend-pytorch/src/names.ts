/** Words a generated variable or attribute must not take: Python's keywords and the names model.py uses. */
const RESERVED = new Set([
  ..."False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
  ..."self torch nn F np super print len range".split(" "),
]);

/** `layer1.0/conv1` -> `layer1_0_conv1`: a Python identifier that still reads like the node id. */
export function pythonIdentifier(id: string): string {
  let s = id.replace(/[^A-Za-z0-9_]/g, "_");
  if (s === "" || /^[0-9]/.test(s)) s = `n_${s}`;
  return RESERVED.has(s) ? `${s}_` : s;
}

/**
 * Unique Python names for ids: two ids that sanitise alike (`a.b`, `a_b`) get `_2`, `_3`… in order, so
 * every node keeps a distinct variable and attribute.
 */
export function uniqueIdentifiers(ids: readonly string[]): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const id of ids) {
    const base = pythonIdentifier(id);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    out.set(id, name);
  }
  return out;
}

/** Classes model.py may define besides the spec's own. */
const HELPER_CLASSES = new Set(["Pool2d", "FusionWeights", "WeightedAdd", "BiasAdd", "Conv1x1Add"]);

/**
 * `resnet50` -> `Resnet50`, `tiny-fpn` -> `TinyFpn`: the class name of a spec's module (`Model…` when
 * that is no identifier, `…Net` when a helper class has the name).
 */
export function className(specName: string): string {
  const parts = specName.split(/[^A-Za-z0-9]+/).filter((p) => p !== "");
  const name = parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join("");
  if (name === "" || /^[0-9]/.test(name)) return `Model${name}`;
  return HELPER_CLASSES.has(name) ? `${name}Net` : name;
}
