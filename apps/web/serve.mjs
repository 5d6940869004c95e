#!/usr/bin/env node
// Serves a directory (dist/ by default) read-only from 127.0.0.1: `node serve.mjs [dir] [--port N]`.
// The browser test serves its page and models with the same function.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** @type {Readonly<Record<string, string>>} */
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".png": "image/png",
  ".bin": "application/octet-stream",
  // NOTE: WebAssembly.instantiateStreaming, which tfjs-backend-wasm tries first, insists on this type.
  ".wasm": "application/wasm",
};

/**
 * Serves the files under `root` with GET from 127.0.0.1 (port 0: a free one); 404 for anything else.
 * @param {string} root
 * @param {number} [port]
 * @returns {Promise<{ url: string, close(): Promise<void> }>} `url` is `http://127.0.0.1:<port>/`
 */
export async function serveDir(root, port = 0) {
  const base = normalize(resolve(root) + sep);
  const server = createServer((req, res) => {
    /** @param {number} code */
    const refuse = (code) => {
      res.writeHead(code, { "content-type": "text/plain" });
      res.end(String(code));
    };
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    } catch {
      return refuse(400);
    }
    const file = normalize(join(base, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(base)) return refuse(403);
    if (req.method !== "GET") return refuse(405);
    stat(file).then(
      (s) => {
        if (!s.isFile()) return refuse(404);
        res.writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "content-length": s.size,
          "cache-control": "no-store",
        });
        createReadStream(file).pipe(res);
      },
      () => refuse(404),
    );
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok(undefined));
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise((ok) => server.close(() => ok(undefined))),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--port");
  const port = at >= 0 ? Number(args[at + 1]) : 8080;
  const dir =
    args.find((a, i) => !a.startsWith("--") && i !== at + 1) ??
    join(dirname(fileURLToPath(import.meta.url)), "dist");
  const { url } = await serveDir(dir, port);
  console.log(`serving ${dir} at ${url}`);
}
