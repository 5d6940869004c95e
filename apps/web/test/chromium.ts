import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

/** Debian's chromium (apt-get install chromium); puppeteer-core never downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless flags. `--no-sandbox` because CI runs as root. WebGL runs on SwiftShader (ANGLE over its
 * Vulkan device), which chromium 156 uses here with or without `--disable-gpu`; the two SwiftShader
 * flags pin that choice, so a host GPU (or its absence) never changes the numbers. The test keeps
 * several pages open and only one is in front: the three backgrounding flags stop chromium from
 * throttling the others' timers, which tfjs-webgl polls while it waits for the GPU.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows",
  "--disable-renderer-backgrounding",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless chromium with a fresh user-data-dir, removed again on close. */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), "fusegraph-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    args: CHROMIUM_ARGS,
  });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
