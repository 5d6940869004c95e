import type { MergeKind, Shape } from "@fusegraph/dsl";
import { formatScaled } from "../output.js";

/** How a merge mode is drawn: a strong stroke and a light fill of one Okabe–Ito colour. */
export interface MergeStyle {
  stroke: string;
  fill: string;
  /** Class name shared by the SVG, DOT-free formats and Mermaid's classDef. */
  className: string;
}

/**
 * One colour per merge mode from the Okabe–Ito palette, which stays distinguishable under the common
 * colour-vision deficiencies; the mode is also written in every merge node's label, so colour is never
 * the only cue.
 */
export const MERGE_STYLES = {
  add: { stroke: "#0072B2", fill: "#D1E5F2", className: "merge-add" },
  concat: { stroke: "#E69F00", fill: "#FBEACB", className: "merge-concat" },
  weightedAdd: { stroke: "#009E73", fill: "#CCEDE4", className: "merge-weightedAdd" },
  conv1x1Add: { stroke: "#CC79A7", fill: "#F5E3ED", className: "merge-conv1x1Add" },
} as const satisfies { [K in MergeKind]: MergeStyle };

/** Colours of the non-merge boxes, shared by all three formats. */
export const BOX_COLOURS = {
  op: { stroke: "#7A7A7A", fill: "#FFFFFF" },
  block: { stroke: "#4D4D4D", fill: "#EFEFEF" },
  input: { stroke: "#1A1A1A", fill: "#1A1A1A", text: "#FFFFFF" },
  output: { stroke: "#1A1A1A", fill: "#FFFFFF" },
  cluster: { stroke: "#9A9A9A", fill: "#F7F7F7" },
} as const;

/** [56,56,256] -> "56×56×256"; a scalar-per-example tensor (rank 0) -> "scalar". */
export function shapeLabel(shape: Shape): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

/** 23512 -> "23.51 K params"; small counts stay exact. */
export function paramsLabel(n: number): string {
  return `${formatScaled(n)} params`.replace(/ {2,}/g, " ");
}
