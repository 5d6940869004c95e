// Node-only helpers (file system); the root entry stays free of node: imports so it bundles for browsers.
export * from "./make-dirs.js";
export * from "./output-dir.js";
export * from "./spec-packages.js";
