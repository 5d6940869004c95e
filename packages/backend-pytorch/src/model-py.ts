import {
  type Graph,
  type GraphNode,
  graphWeights,
  liveNodeIds,
  type OpKind,
  type Shape,
} from "@fusegraph/dsl";
import type { EmitArgs, Emitter, NodeCode } from "./emit-types.js";
import { emitters } from "./emitters.js";
import { type HelperName, helperCode } from "./helpers-py.js";
import { className, uniqueIdentifiers } from "./names.js";
import { py, pyTuple } from "./python.js";
import { runtimePy } from "./runtime-py.js";

/** Every emitter seen through one signature: each is only handed nodes of its own kind. */
function emit(node: GraphNode, args: Omit<EmitArgs<OpKind>, "node">): NodeCode {
  // NOTE: the table's entries differ only in the node kind they accept, which a union cannot call.
  const emitter = emitters[node.kind] as Emitter<OpKind>;
  return emitter({ ...args, node });
}

/** model.py for a validated graph: a readable nn.Module, the weight table, load/save and a CLI. */
export function modelPy(graph: Graph): string {
  const names = uniqueIdentifiers([...graph.inputs.map((i) => i.id), ...graph.nodes.map((n) => n.id)]);
  const name = (id: string) => names.get(id) ?? id;
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  for (const n of graph.nodes) shapes.set(n.id, n.shape);
  const live = liveNodeIds(graph);
  const owned = new Set(graphWeights(graph).map((w) => w.nodeId));
  const helpers = new Set<HelperName>();
  const init: string[] = [];
  const shares: string[] = [];
  const forward: string[] = [];
  const table: string[] = [];
  for (const node of graph.nodes) {
    const attr = name(node.id);
    const code = emit(node, {
      inputs: node.inputs.map(name),
      inputShapes: node.inputs.map((id) => shapes.get(id) ?? []),
      self: `self.${attr}`,
    });
    const weighted = (code.weights?.length ?? 0) > 0;
    for (const h of code.helpers ?? []) helpers.add(h);
    if (code.module !== undefined && (live.has(node.id) || weighted)) {
      init.push(`self.${attr} = ${code.module}`, ...(code.setup ?? []));
      if (node.shareWeights !== undefined) {
        helpers.add("shareWeights");
        shares.push(`share_weights(self.${attr}, self.${name(node.shareWeights)})`);
      }
    }
    if (owned.has(node.id)) {
      for (const w of code.weights ?? []) {
        table.push(`    (${py(`${node.id}/${w.name}`)}, ${py(`${attr}.${w.tensor}`)}, ${py(w.layout)}),`);
      }
    }
    if (live.has(node.id)) forward.push(`${attr} = ${code.forward}`);
  }
  const args = graph.inputs.map((i) => name(i.id));
  const outs = graph.outputs.map(name);
  const cls = className(graph.name);
  const inputList = graph.inputs.map((i) => `(${py(i.id)}, ${pyTuple(i.shape)})`).join(", ");
  const outputList = graph.outputs.map((id) => `(${py(id)}, ${pyTuple(shapes.get(id) ?? [])})`).join(", ");
  const helperSources = helperCode(helpers);
  // Only import what the code calls: torch.nn.functional is unused by, e.g., a stack of dense layers.
  const usesFunctional = [...init, ...forward, ...helperSources].some((l) => /\bF\./.test(l));
  const sections = [
    `"""PyTorch module for the fusegraph spec ${py(graph.name)}, exported by @fusegraph/backend-pytorch.

Tensors are NCHW inside the module: an example that fusegraph holds as [H, W, C] is [N, C, H, W] here;
other ranks keep fusegraph's order behind the batch axis. The command line takes and writes NHWC,
batch first, like \`fusegraph run\`:

    python3 model.py --weights <fusegraph weights dir> --input x.npy --out y.npy
"""
import argparse
import json
import os
import re
import secrets
import shutil

import numpy as np
import torch
${usesFunctional ? "import torch.nn.functional as F\n" : ""}from torch import nn

# Graph inputs and outputs in forward's order: fusegraph id, example shape (channels last, no batch).
INPUTS = [${inputList}]
OUTPUTS = [${outputList}]

# fusegraph weight name, PyTorch parameter or buffer, layout: "hwio" conv kernels [kh, kw, a, b] are
# [b, a, kh, kw] here; "io" dense and LSTM kernels [in, out] are [out, in]; "vector" is unchanged;
# "lstm_bias" is Keras's one LSTM bias, PyTorch's bias_ih (bias_hh zeroed on load, summed on save).
WEIGHTS = [
${table.join("\n")}
]`,
    ...helperSources,
    `class ${cls}(nn.Module):
    """${py(graph.name).slice(1, -1)}: ${graph.nodes.length} node${graph.nodes.length === 1 ? "" : "s"}, one attribute per weighted node, named after its id."""

    def __init__(self):
        super().__init__()
${[...init, ...shares].map((l) => `        ${l}`).join("\n")}

    def forward(self, ${args.join(", ")}):
${forward.map((l) => `        ${l}`).join("\n")}
        return ${outs.length === 1 ? outs[0] : outs.join(", ")}`,
    `def build_model():
    """A fresh ${cls} (PyTorch's default initialisation; load fusegraph weights to match fusegraph)."""
    return ${cls}()`,
    runtimePy,
  ];
  return `${sections.join("\n\n\n").replace(/\n{4,}/g, "\n\n\n")}`;
}
