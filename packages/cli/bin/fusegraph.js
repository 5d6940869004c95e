#!/usr/bin/env node
// NOTE: committed so that it exists when `npm ci` links the workspace's bins: npm skips a bin whose
// target is missing at install time, and `npx fusegraph` would then ask the registry instead.
const main = new URL("../dist/main.js", import.meta.url);
try {
  await import(main.href);
} catch (e) {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("/dist/main.js")) {
    process.stderr.write("fusegraph: the CLI is not built yet; run `npm run build` first\n");
    process.exitCode = 2;
  } else {
    throw e;
  }
}
