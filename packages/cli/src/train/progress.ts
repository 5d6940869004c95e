import type { EpochRecord, StepProgress } from "@fusegraph/train";
import type { CliIO } from "../output.js";

/** 75 s -> "1:15", 3725 s -> "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A loss or metric with four significant digits, the precision the tables and progress lines use. */
export function formatValue(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return "0";
  return Math.abs(n) >= 1e4 || Math.abs(n) < 1e-3 ? n.toExponential(3) : n.toPrecision(4);
}

const BAR_WIDTH = 20;

/** The single redrawn terminal line: epoch, a bar over the epoch's steps, loss, steps/s and the ETA. */
export function progressBar(p: StepProgress, totalStepsDone: number): string {
  const done = Math.min(Math.max(p.step, 0), p.stepsPerEpoch);
  const filled = p.stepsPerEpoch > 0 ? Math.round((done / p.stepsPerEpoch) * BAR_WIDTH) : 0;
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
  const rate = p.elapsedMs > 0 ? (totalStepsDone * 1000) / p.elapsedMs : 0;
  const remaining = p.epochs * p.stepsPerEpoch - totalStepsDone;
  const eta = rate > 0 ? formatDuration(remaining / rate) : "--:--";
  return (
    `epoch ${p.epoch}/${p.epochs} ${bar} ${done}/${p.stepsPerEpoch}  loss ${formatValue(p.loss)}  ` +
    `${rate.toFixed(1)} steps/s  ETA ${eta}`
  );
}

/** One plain line per finished epoch, for logs and pipes. */
export function epochLine(r: EpochRecord, epochs: number, metricName: string): string {
  return (
    `epoch ${r.epoch}/${epochs}  train loss ${formatValue(r.trainLoss)}  held-out loss ${formatValue(r.valLoss)}  ` +
    `${metricName} ${formatValue(r.metric)}  (${(r.elapsedMs / 1000).toFixed(1)} s)`
  );
}

/**
 * Training progress on stderr (stdout keeps the report or the JSON). In a terminal one bar line is
 * redrawn per step and cleared at the end; elsewhere each finished epoch is one plain line.
 */
export class TrainProgress {
  private drawn = false;
  private lastDraw = 0;
  private pendingHeader: string | undefined;

  constructor(
    private readonly io: Pick<CliIO, "stderr">,
    private readonly interactive: boolean,
  ) {}

  /** What the run is, printed once work starts: an option the library refuses stays a one-line error. */
  header(text: string): void {
    this.pendingHeader = text;
  }

  /** A line that stays (a header, an epoch in plain mode, a note): clears the bar first. */
  line(text: string): void {
    this.clear();
    this.flushHeader();
    this.io.stderr.write(`${text}\n`);
  }

  private flushHeader(): void {
    if (this.pendingHeader === undefined) return;
    const h = this.pendingHeader;
    this.pendingHeader = undefined;
    this.io.stderr.write(`${h}\n`);
  }

  step(p: StepProgress): void {
    this.flushHeader();
    if (!this.interactive) return;
    // NOTE: redrawing faster than the eye reads only costs terminal time; ~10 Hz, and always the last step.
    const now = p.elapsedMs;
    if (this.drawn && now - this.lastDraw < 100 && p.step < p.stepsPerEpoch) return;
    this.lastDraw = now;
    const done = (p.epoch - 1) * p.stepsPerEpoch + p.step;
    this.io.stderr.write(`\r\u001b[K${progressBar(p, done)}`);
    this.drawn = true;
  }

  epoch(r: EpochRecord, epochs: number, metricName: string): void {
    if (!this.interactive) this.line(epochLine(r, epochs, metricName));
  }

  clear(): void {
    if (this.drawn) this.io.stderr.write("\r\u001b[K");
    this.drawn = false;
  }
}
