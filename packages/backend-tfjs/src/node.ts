// The Node entry: everything the root entry has, plus saving and loading model directories on disk
// (node:fs). Kept out of the root entry so that one bundles for the browser.
export * from "./index.js";
export * from "./io.js";
