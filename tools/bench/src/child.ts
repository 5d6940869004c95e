/**
 * One engine on one network and batch, in its own process (so its peak RSS is its own): builds the
 * model, then answers the parent's messages one at a time. `run` times one forward pass, outputs read
 * back to a host Float32Array included, as wall time and as CPU time of the whole process (all threads).
 */
import { writeFileSync } from "node:fs";
import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, initWeights, loadGraph, type WeightMap } from "@fusegraph/dsl";
import type { EngineId } from "./engines.js";
import { benchInput, type NetworkId, network } from "./networks.js";
import type { ChildReply, ChildRequest, ProfileRow } from "./protocol.js";

interface Built {
  run(): Promise<Float32Array[]>;
  profile?(): { totalMs: number; rows: ProfileRow[] };
  threads: number;
  detail: string;
}

type Tf = typeof import("@tensorflow/tfjs");

async function tfjs(backend: "wasm" | "cpu"): Promise<Tf> {
  const tf = await import("@tensorflow/tfjs");
  if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
  await tf.ready();
  return tf;
}

function tfjsRunner(
  tf: Tf,
  model: import("@tensorflow/tfjs").LayersModel,
  x: import("@tensorflow/tfjs").Tensor,
) {
  return async (): Promise<Float32Array[]> => {
    const y = model.predict(x);
    const ys = Array.isArray(y) ? y : [y];
    const out = await Promise.all(ys.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(ys);
    return out;
  };
}

async function build(
  graph: Graph,
  weights: WeightMap,
  engine: EngineId,
  batch: number,
  threads: number,
): Promise<Built> {
  const input = graph.inputs[0];
  if (!input || graph.inputs.length !== 1) throw new Error("the bench feeds graphs with exactly one input");
  const shape = [batch, ...input.shape];
  const data = benchInput(shape.reduce((a, b) => a * b, 1));
  switch (engine) {
    case "fg-cpu-1t":
    case "fg-cpu-all": {
      const n = engine === "fg-cpu-1t" ? 1 : threads;
      const exe = prepare(graph, weights, { threads: n });
      const feeds = { [input.id]: { shape, data } };
      const got = exe.threads;
      return {
        run: async () => {
          const out = exe.run(feeds);
          return graph.outputs.map((o) => out[o]?.data as Float32Array);
        },
        profile: () => {
          const { profile } = exe.profile(feeds);
          return {
            totalMs: profile.totalMs,
            rows: profile.kinds.map((k) => ({
              kind: k.kind,
              calls: k.calls,
              ms: k.ms,
              share: k.share,
              gmacPerSecond: k.gmacPerSecond,
              fused: { ...k.fused } as Record<string, number>,
            })),
          };
        },
        threads: got,
        detail: `kernel ${exe.kernel}`,
      };
    }
    case "fg-tfjs-wasm":
    case "fg-tfjs-wasm-opt":
    case "tfjs-wasm-hand":
    case "tfjs-cpu": {
      const tf = await tfjs(engine === "tfjs-cpu" ? "cpu" : "wasm");
      let model: import("@tensorflow/tfjs").LayersModel;
      if (engine === "fg-tfjs-wasm" || engine === "fg-tfjs-wasm-opt") {
        const { compile } = await import("@fusegraph/backend-tfjs");
        model = compile(
          graph,
          engine === "fg-tfjs-wasm-opt" ? { weights, optimize: "inference" } : { weights },
        );
      } else {
        const { handBuiltModel } = await import("./tfjs-layers.js");
        model = handBuiltModel(graph, weights);
      }
      const x = tf.tensor(data, shape);
      let threadsGot = 1;
      if (engine !== "tfjs-cpu") {
        const wasm = (await import("@tensorflow/tfjs-backend-wasm")) as { getThreadsCount?: () => number };
        threadsGot = wasm.getThreadsCount?.() ?? 1;
      }
      return { run: tfjsRunner(tf, model, x), threads: threadsGot, detail: `${model.layers.length} layers` };
    }
    case "ort-web":
    case "ort-node": {
      const { exportOnnx } = await import("@fusegraph/backend-onnx");
      const bytes = exportOnnx(graph, { weights });
      const ort =
        engine === "ort-web"
          ? ((await import("onnxruntime-web")) as typeof import("onnxruntime-web"))
          : ((await import("onnxruntime-node")) as unknown as typeof import("onnxruntime-web"));
      if (engine === "ort-web") {
        ort.env.wasm.numThreads = threads;
        ort.env.wasm.simd = true;
      }
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [engine === "ort-web" ? "wasm" : "cpu"],
        graphOptimizationLevel: "all",
        executionMode: "sequential",
        ...(engine === "ort-node"
          ? {
              intraOpNumThreads: threads,
              interOpNumThreads: 1,
              // NOTE: idle intra-op threads spin by default and would steal the CPU from the next engine.
              extra: { session: { intra_op: { allow_spinning: "0" } } },
            }
          : {}),
      });
      const feeds = { [input.id]: new ort.Tensor("float32", data, shape) };
      return {
        run: async () => {
          const out = await session.run(feeds);
          return graph.outputs.map((o) => out[o]?.data as Float32Array);
        },
        threads: engine === "ort-web" ? Number(ort.env.wasm.numThreads ?? 1) : threads,
        detail: `opset default, ${bytes.length >> 20} MiB model`,
      };
    }
  }
}

async function main(): Promise<void> {
  const [networkId, batchArg, engine, threadsArg] = process.argv.slice(2);
  const send = (m: ChildReply) => process.send?.(m);
  try {
    const net = network(networkId as NetworkId);
    if (!net) throw new Error(`unknown network ${networkId}`);
    const t0 = performance.now();
    const graph = loadGraph(net.spec());
    const weights = initWeights(graph, { seed: 1 });
    const built = await build(graph, weights, engine as EngineId, Number(batchArg), Number(threadsArg));
    send({ kind: "ready", prepareMs: performance.now() - t0, threads: built.threads, detail: built.detail });
    // One message at a time: the parent waits for each reply before it sends the next request.
    process.on("message", (m: ChildRequest) => {
      void (async () => {
        try {
          if (m.cmd === "exit") process.exit(0);
          if (m.cmd === "stats")
            return send({ kind: "stats", maxRssMb: process.resourceUsage().maxRSS / 1024 });
          if (m.cmd === "profile") {
            if (!built.profile) throw new Error(`${engine} has no profile`);
            return send({ kind: "profile", ...built.profile() });
          }
          const cpu0 = process.cpuUsage();
          const w0 = performance.now();
          const out = await built.run();
          const ms = performance.now() - w0;
          const cpu = process.cpuUsage(cpu0);
          const cpuMs = (cpu.user + cpu.system) / 1000;
          if (m.dump) {
            writeFileSync(
              m.dump,
              Buffer.concat(out.map((o) => Buffer.from(o.buffer, o.byteOffset, o.byteLength))),
            );
            return send({ kind: "ran", ms, cpuMs, outputLengths: out.map((o) => o.length) });
          }
          send({ kind: "ran", ms, cpuMs });
        } catch (e) {
          send({ kind: "error", message: e instanceof Error ? e.message : String(e) });
        }
      })();
    });
  } catch (e) {
    send({ kind: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exit(1);
  }
}

void main();
