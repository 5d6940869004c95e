import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** The tfjs backends the page can run on, chosen with `?backend=`. */
export const PAGE_BACKENDS = ["cpu", "webgl", "wasm"] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

function isPageBackend(name: string): name is PageBackend {
  return (PAGE_BACKENDS as readonly string[]).includes(name);
}

/** `?backend=` of the page's query, webgl when absent. */
export function backendFromQuery(query: URLSearchParams): PageBackend {
  const name = query.get("backend") ?? "webgl";
  if (!isPageBackend(name)) {
    throw new Error(`unknown backend "${name}" in ?backend=; use one of ${PAGE_BACKENDS.join(", ")}`);
  }
  return name;
}

/**
 * Switches tfjs to `name` and waits until it is ready. Fails instead of falling back, so the page (and
 * the test reading it) never reports one backend while running on another. The wasm backend fetches
 * its .wasm binaries from beside the page, where build.mjs copies them.
 */
export async function startBackend(name: PageBackend): Promise<PageBackend> {
  if (name === "wasm") setWasmPaths(new URL("./", document.baseURI).href);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new Error(
      `tfjs could not start the ${name} backend (running on ${tf.getBackend() ?? "none"}); ` +
        (name === "wasm" ? "serve tfjs-backend-wasm's .wasm files next to the bundle" : "try ?backend=cpu"),
    );
  }
  return name;
}

/** Facts about the running backend worth showing next to a timing (webgl's float precision). */
export function backendDetails(): string {
  const name = tf.getBackend();
  if (name !== "webgl") return name;
  const f32 = tf.env().getBool("WEBGL_RENDER_FLOAT32_ENABLED");
  return `webgl ${tf.env().getNumber("WEBGL_VERSION")}, ${f32 ? "float32" : "float16"} textures`;
}
