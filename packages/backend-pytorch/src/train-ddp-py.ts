import { type Graph, graphWeights, liveNodeIds } from "@fusegraph/dsl";
import { py } from "./python.js";

/** train_ddp.py: DistributedDataParallel training of model.py's module, launched by torchrun. */
export function trainDdpPy(graph: Graph): string {
  const live = liveNodeIds(graph);
  // DDP waits for a gradient of every parameter unless told some never get one (weights of nodes no
  // output depends on, which fusegraph's weights still carry).
  const unused = graphWeights(graph).some((w) => !live.has(w.nodeId));
  return `"""Trains the fusegraph spec ${py(graph.name)} (model.py beside this file) with DistributedDataParallel.

Launch one process per device with torchrun:

    torchrun --nproc_per_node 2 train_ddp.py --task teacher --epochs 5 --out trained
    torchrun --nproc_per_node 8 train_ddp.py --inputs x.npy --targets y.npy --weights start --out trained

Data: --inputs (.npy for one graph input, .npz keyed by input id) and --targets (.npy for one output,
.npz keyed by output id), NHWC and batch first like \`fusegraph run\`; or --task teacher, which needs no
download: inputs are seeded standard-normal samples and targets are the outputs of a fixed, seeded,
randomly initialised copy of the same model plus Gaussian noise (std --noise), so the task is always
learnable (the student can become the teacher). The loss is the mean squared error, summed over outputs.
A DistributedSampler gives each process its share of every epoch. The backend is nccl when CUDA is
available (one GPU per local rank), gloo otherwise. Rank 0 prints the loss per epoch and at the end
writes fusegraph weights to --out (a temporary directory renamed into place), for
\`fusegraph run --weights\` or \`fusegraph compile --backend tfjs --weights\`.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as exported  # noqa: E402  (model.py sits beside this file)


def teacher_task(samples, seed, noise):
    """Inputs and targets for --task teacher, identical on every process (all seeded)."""
    generator = torch.Generator().manual_seed(seed)
    inputs = [torch.randn((samples, *shape), generator=generator).numpy() for _, shape in exported.INPUTS]
    torch.manual_seed(seed + 1)
    teacher = exported.build_model().eval()
    with torch.no_grad():
        result = teacher(*[exported.to_torch(x, shape) for x, (_, shape) in zip(inputs, exported.INPUTS)])
    outputs = result if isinstance(result, tuple) else (result,)
    targets = [t + noise * torch.randn(t.shape, generator=generator) for t in outputs]
    return [exported.to_torch(x, shape) for x, (_, shape) in zip(inputs, exported.INPUTS)], targets


def read_targets(path):
    """Targets in the module's layout, one tensor per output: a .npy (one output) or a .npz keyed by output id."""
    if path.endswith(".npz"):
        with np.load(path) as archive:
            arrays = [archive[output_id] for output_id, _ in exported.OUTPUTS]
    else:
        if len(exported.OUTPUTS) != 1:
            raise ValueError("this graph has several outputs: give --targets as a .npz keyed by output id")
        arrays = [np.load(path)]
    return [exported.to_torch(a, shape) for a, (_, shape) in zip(arrays, exported.OUTPUTS)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", help="NHWC inputs: .npy (one graph input) or .npz keyed by input id")
    parser.add_argument("--targets", help="NHWC targets: .npy (one output) or .npz keyed by output id")
    parser.add_argument("--task", choices=["teacher"], help="built-in synthetic task instead of --inputs/--targets")
    parser.add_argument("--samples", type=int, default=256, help="examples of --task teacher (default 256)")
    parser.add_argument("--noise", type=float, default=0.01, help="target noise of --task teacher (default 0.01)")
    parser.add_argument("--weights", help="start from these fusegraph weights (default: PyTorch's initialisation)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32, help="examples per process and step")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the trained weights here as a fusegraph weights directory (rank 0)")
    args = parser.parse_args(argv)
    if (args.task is None) == (args.inputs is None or args.targets is None):
        parser.error("give --task teacher, or both --inputs and --targets")
    return args


def main(argv=None):
    args = parse_args(argv)
    distributed = "WORLD_SIZE" in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if rank == 0:
        world = dist.get_world_size() if distributed else 1
        print(f"training on {world} processes ({dist.get_backend() if distributed else device.type})", flush=True)

    if args.task == "teacher":
        inputs, targets = teacher_task(args.samples, args.seed, args.noise)
    else:
        arrays = exported.read_inputs(args.inputs)
        inputs = [exported.to_torch(arrays[input_id], shape) for input_id, shape in exported.INPUTS]
        targets = read_targets(args.targets)

    torch.manual_seed(args.seed)
    model = exported.build_model()
    if args.weights:
        exported.load_fusegraph_weights(model, args.weights)
    model.to(device)
    net = model
    if distributed:
        net = DistributedDataParallel(
            model, device_ids=[local_rank] if cuda else None, find_unused_parameters=${unused ? "True" : "False"}
        )
    dataset = TensorDataset(*inputs, *targets)
    sampler = DistributedSampler(dataset, shuffle=True, seed=args.seed) if distributed else None
    loader = DataLoader(dataset, batch_size=args.batch, sampler=sampler, shuffle=sampler is None)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    n_inputs = len(inputs)

    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        total = torch.zeros(2, dtype=torch.float64, device=device)
        for batch in loader:
            batch = [t.to(device) for t in batch]
            result = net(*batch[:n_inputs])
            outputs = result if isinstance(result, tuple) else (result,)
            loss = sum(F.mse_loss(y, t) for y, t in zip(outputs, batch[n_inputs:]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += torch.tensor([loss.item() * len(batch[0]), len(batch[0])], dtype=torch.float64, device=device)
        if distributed:
            dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs} loss {(total[0] / total[1]).item():.6f}", flush=True)

    if rank == 0 and args.out:
        exported.save_fusegraph_weights(model.cpu(), args.out)
        print(f"wrote fusegraph weights to {args.out}", flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
}
