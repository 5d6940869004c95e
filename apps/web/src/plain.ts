// The plain bundle: @tensorflow/tfjs alone, no fusegraph code. It loads portable model.json files
// (tfjs built-in layer classes only); a trainable one fails with "Unknown layer".
import { runPage } from "./page.js";

await runPage("plain", "models/tiny-hed-portable/model.json");
