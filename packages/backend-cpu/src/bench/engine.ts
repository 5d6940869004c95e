/**
 * One benchmark engine in its own process (so each reports its own peak RSS): builds a network, then
 * answers the orchestrator's messages: `run` -> { ms, output? }, `stats` -> { maxRssMb }.
 */
import { initWeights, loadGraph } from "@fusegraph/dsl";
import { prepare } from "../prepare.js";
import { conv3x3Spec, resnet50Spec } from "./networks.js";

export type EngineName = "fusegraph-cpu" | "tfjs-cpu" | "tfjs-wasm";
export type NetworkName = "conv3x3" | "resnet50";

export type EngineRequest = { cmd: "run"; wantOutput: boolean } | { cmd: "stats" } | { cmd: "exit" };
export type EngineReply =
  | { kind: "ready"; prepareMs: number }
  | { kind: "ran"; ms: number; output?: number[] }
  | { kind: "stats"; maxRssMb: number }
  | { kind: "error"; message: string };

type Runner = () => Promise<Float32Array>;

async function build(network: NetworkName, engine: EngineName): Promise<Runner> {
  const graph = loadGraph(network === "conv3x3" ? conv3x3Spec() : resnet50Spec());
  const input = graph.inputs[0]!;
  const size = input.shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const output = graph.outputs[0]!;
  if (engine === "fusegraph-cpu") {
    const exe = prepare(graph, initWeights(graph, { seed: 1 }));
    const tensor = { shape: [1, ...input.shape], data };
    return async () => exe.run({ [input.id]: tensor })[output]!.data;
  }
  const tf = await import("@tensorflow/tfjs");
  if (engine === "tfjs-wasm") await import("@tensorflow/tfjs-backend-wasm");
  await tf.setBackend(engine === "tfjs-wasm" ? "wasm" : "cpu");
  await tf.ready();
  const { tfjsModel } = await import("./tfjs-model.js");
  const model = tfjsModel(graph, initWeights(graph, { seed: 1 }));
  const x = tf.tensor(data, [1, ...input.shape]);
  return async () => {
    const y = model.predict(x) as import("@tensorflow/tfjs").Tensor;
    const out = (await y.data()) as Float32Array;
    y.dispose();
    return out;
  };
}

async function main(): Promise<void> {
  const [network, engine] = process.argv.slice(2) as [NetworkName, EngineName];
  const send = (m: EngineReply) => process.send?.(m);
  try {
    const t0 = performance.now();
    const run = await build(network, engine);
    send({ kind: "ready", prepareMs: performance.now() - t0 });
    process.on("message", async (m: EngineRequest) => {
      if (m.cmd === "exit") process.exit(0);
      if (m.cmd === "stats") return send({ kind: "stats", maxRssMb: process.resourceUsage().maxRSS / 1024 });
      const t = performance.now();
      const out = await run();
      const ms = performance.now() - t;
      send(m.wantOutput ? { kind: "ran", ms, output: Array.from(out) } : { kind: "ran", ms });
    });
  } catch (e) {
    send({ kind: "error", message: (e as Error).stack ?? String(e) });
    process.exit(1);
  }
}

void main();
