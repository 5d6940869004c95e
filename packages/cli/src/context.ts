import type { CliIO, Style } from "./output.js";

/** What every command runs with: where to write, how to style it, and the debug switch. */
export interface CommandContext {
  io: CliIO;
  style: Style;
  debug: boolean;
}
