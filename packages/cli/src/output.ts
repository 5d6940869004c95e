/**
 * Everything the CLI writes goes through a {@link CliIO}, so commands run the same in a terminal, in
 * CI logs and inside unit tests (which inject string-collecting writers).
 */

export interface Writer {
  write(text: string): void;
  /** True when the writer is an interactive terminal (enables colour and transient progress lines). */
  readonly isTTY?: boolean;
}

export interface CliIO {
  stdout: Writer;
  stderr: Writer;
  /** Reads all of standard input (for a spec given as `-`). */
  readStdin(): Promise<string>;
  /** Environment variables the CLI honours: NO_COLOR, FORCE_COLOR, CI, FUSEGRAPH_DEBUG. */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative spec paths are resolved against. */
  cwd: string;
}

/** Plain output for pipes, CI and NO_COLOR (https://no-color.org); styled output for a terminal. */
export interface Style {
  readonly color: boolean;
  /** Transient progress lines (rewritten in place) are only for an interactive terminal. */
  readonly interactive: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const sgr =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;

export function makeStyle(io: Pick<CliIO, "stdout" | "env">, forcePlain = false): Style {
  const env = io.env;
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0";
  const tty = io.stdout.isTTY === true;
  const color = !forcePlain && !noColor && (force || (tty && !ci));
  const interactive = !forcePlain && tty && !ci;
  const id = (s: string): string => s;
  return {
    color,
    interactive,
    bold: color ? sgr(1, 22) : id,
    dim: color ? sgr(2, 22) : id,
    red: color ? sgr(31, 39) : id,
    green: color ? sgr(32, 39) : id,
    yellow: color ? sgr(33, 39) : id,
    cyan: color ? sgr(36, 39) : id,
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** Printed width of a string, ignoring colour escapes. */
export function visibleLength(s: string): number {
  return s.replace(ANSI, "").length;
}

/** 1234567 -> "1,234,567" (grouping fixed to en-US so output does not depend on the machine's locale). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** 4.09e9 -> "4.09 G": the short form torchinfo and papers use for MACs and FLOPs. */
export function formatScaled(n: number): string {
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [scale, unit] of units) {
    if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  }
  return String(Math.round(n));
}

export interface Column {
  header: string;
  align?: "left" | "right";
}

/**
 * A text table with a header rule, like Keras's `model.summary()`. Cells may contain colour escapes;
 * widths are measured without them. `separators` are row indices before which a rule is drawn.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { separators?: readonly number[]; gap?: number } = {},
): string {
  const gap = " ".repeat(options.gap ?? 2);
  const widths = columns.map((c, i) =>
    Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const pad = (cell: string, i: number): string => {
    const fill = " ".repeat((widths[i] ?? 0) - visibleLength(cell));
    return columns[i]?.align === "right" ? fill + cell : cell + fill;
  };
  const line = (cells: readonly string[]): string =>
    columns
      .map((_, i) => pad(cells[i] ?? "", i))
      .join(gap)
      .trimEnd();
  const total = widths.reduce((a, w) => a + w, 0) + gap.length * (columns.length - 1);
  const rule = "-".repeat(total);
  const out = [line(columns.map((c) => c.header)), rule];
  const seps = new Set(options.separators ?? []);
  rows.forEach((r, i) => {
    if (seps.has(i)) out.push(rule);
    out.push(line(r));
  });
  return `${out.join("\n")}\n`;
}

/** A `--json` report on stdout: pretty-printed, one trailing newline. */
export function writeJson(io: Pick<CliIO, "stdout">, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Progress of a long job. In a terminal one status line on stderr is rewritten in place and cleared at
 * the end; elsewhere (pipes, CI) each finished step is logged as its own line on stdout, so logs keep it.
 */
export class Progress {
  private active = false;

  constructor(
    private readonly io: Pick<CliIO, "stdout" | "stderr">,
    private readonly style: Style,
  ) {}

  /** A step has started (shown only in a terminal). */
  update(text: string): void {
    if (!this.style.interactive) return;
    this.io.stderr.write(`\r\u001b[K${text}`);
    this.active = true;
  }

  /** A step has finished: logged in plain mode, shown transiently in a terminal. */
  log(text: string): void {
    if (this.style.interactive) this.update(text);
    else this.io.stdout.write(`${text}\n`);
  }

  /** Clears the status line so what follows starts on a clean line. */
  end(): void {
    if (this.active) this.io.stderr.write("\r\u001b[K");
    this.active = false;
  }
}
