// Markdown building blocks for generated pages: padded tables, inline code, signed counts, prose reflow.
import { formatShape } from "@fusegraph/dsl";
import { formatCount } from "../output.js";

/** Column alignment of a markdown table: left or right. */
export type Align = "l" | "r";

/** A markdown table with its columns padded, as biome's markdown formatter lays them out. */
export function table(
  headers: readonly string[],
  align: readonly Align[],
  rows: readonly (readonly string[])[],
) {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const pad = (cell: string, i: number): string =>
    align[i] === "r" ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]): string =>
    `| ${headers.map((_, i) => pad(cells[i] ?? "", i)).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** Inline code. */
export const code = (s: string): string => `\`${s}\``;
/** A count with thousands separators, as the CLI prints it. */
export const count = (n: number): string => formatCount(n);
/** A shape as inline code: `[14,14,256]`. */
export const shape = (s: readonly number[]): string => code(formatShape(s));

/** -3,133,440 / +589,824 / 0 (ASCII minus, as the CLI prints it) */
export function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n < 0 ? `-${count(-n)}` : "0";
}

/**
 * Greedy word wrap of one paragraph at `width` columns (a word longer than that gets its own line; a
 * lone `+` or `-` stays at the end of its line).
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    // NOTE: a line starting with `+ `, `- `, `1. `, `> ` or `# ` would turn into a list, quote or heading.
    const marker = /^([-+*>#]|\d+[.)])$/.test(word);
    if (line !== "" && line.length + 1 + word.length > width && !marker) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * Re-wraps prose paragraphs at `width` columns so figures interpolated into sentences leave no ragged
 * lines; fenced blocks, tables, headings and comments are kept as they are.
 */
export function reflowMarkdown(markdown: string, width = 100): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let fence = false;
  let comment = false;
  const flush = () => {
    if (paragraph.length > 0) out.push(...wrap(paragraph.join(" "), width));
    paragraph = [];
  };
  for (const line of markdown.split("\n")) {
    if (fence || comment) {
      out.push(line);
      if (fence && line.startsWith("```")) fence = false;
      if (comment && line.includes("-->")) comment = false;
    } else if (line.startsWith("```")) {
      flush();
      out.push(line);
      fence = true;
    } else if (line.startsWith("<!--")) {
      flush();
      out.push(line);
      comment = !line.includes("-->");
    } else if (line.trim() === "" || line.startsWith("|") || line.startsWith("#")) {
      flush();
      out.push(line);
    } else paragraph.push(line.trim());
  }
  flush();
  return out.join("\n");
}

/** A fenced code block in language `lang`. */
export function fenced(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body.trimEnd()}\n\`\`\``;
}
