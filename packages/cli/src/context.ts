import type { Limits } from "@fusegraph/dsl";
import type { CliIO, Style } from "./output.js";

/** What every command runs with: where to write, how to style it, and the debug switch. */
export interface CommandContext {
  io: CliIO;
  style: Style;
  debug: boolean;
  /** `--limit` overrides of the spec checks, for commands that read a spec. */
  limits?: Partial<Limits>;
}
