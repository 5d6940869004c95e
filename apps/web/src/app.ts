// The app bundle: fusegraph's layer classes registered with the app's tfjs, so a default (trainable)
// fusegraph model.json loads with plain tf.loadLayersModel.
import "@fusegraph/backend-tfjs/layers";
import { runPage } from "./page.js";

await runPage("layers", "models/tiny-hed/model.json");
