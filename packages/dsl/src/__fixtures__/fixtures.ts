import { readFileSync } from "node:fs";

/** The text of a fixture spec in this folder, e.g. `fixtureText("resnet50.yaml")`. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
}
