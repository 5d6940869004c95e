/** What XML 1.0 cannot carry even escaped: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes text for XML character data and attribute values (both quote kinds, so either may delimit);
 * characters XML cannot represent become U+FFFD.
 */
export function escapeXml(s: string): string {
  return s.replace(NOT_XML, "\uFFFD").replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Font metrics the layout sizes boxes with; SVG text is drawn with the same sizes. */
export const FONT = {
  sans: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
  mono: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
  /** Bold title line. */
  titleSize: 12,
  /** Other lines and edge labels. */
  bodySize: 11,
  edgeSize: 10,
  lineHeight: 15,
} as const;

/**
 * Estimated width of a line of text. Without a font engine in-process this errs wide (average glyph
 * advance of sans-serif is about 0.55em, bold 0.6em; monospace is 0.6em exactly), so text fits its box.
 */
export function textWidth(s: string, size: number, style: "sans" | "bold" | "mono"): number {
  const em = style === "sans" ? 0.58 : style === "bold" ? 0.64 : 0.61;
  return Math.ceil([...s].length * size * em);
}
