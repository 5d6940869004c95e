#!/usr/bin/env node
import { nodeIO, runCli } from "./program.js";

// NOTE: `fusegraph inspect x | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

// process.exitCode rather than process.exit(), so buffered output is flushed before Node exits.
process.exitCode = await runCli(process.argv.slice(2), nodeIO());
