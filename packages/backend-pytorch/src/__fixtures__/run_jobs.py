"""Test driver: runs every job of a JSON job list in one process (torch imports once).

Usage: run_jobs.py jobs.json report.json. Each job names generated files and raw float32 tensors
(NHWC, shapes in the job); the report maps each job's name to {"ok", "error", "seconds"}.
"""
import importlib.util
import json
import py_compile
import re
import sys
import time
import traceback

import numpy as np
import torch


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_raw(entry):
    return np.fromfile(entry["file"], dtype="<f4").reshape(entry["shape"])


def write_outputs(outputs, files):
    for output_id, path in files.items():
        np.ascontiguousarray(outputs[output_id], dtype="<f4").tofile(path)


def compare(job, module):
    """fusegraph weights -> module -> outputs; optionally re-initialised weights saved back."""
    model = module.build_model()
    module.load_fusegraph_weights(model, job["weights"])
    model.eval()
    inputs = {i: read_raw(entry) for i, entry in job["inputs"].items()}
    write_outputs(module.run(model, inputs), job["outputs"])
    resave = job.get("resave")
    if resave:
        # Weights fusegraph never saw: PyTorch's initialisation, with every trainable vector and
        # statistic (biases, gammas, betas, running stats) shifted so that none stays 0 or 1 (a swapped
        # pair would go unnoticed). Frozen parameters (a gamma that scale: false keeps at 1) stay.
        torch.manual_seed(1)
        fresh = module.build_model()
        tensors = [p for p in fresh.parameters() if p.requires_grad] + list(fresh.buffers())
        with torch.no_grad():
            for tensor in tensors:
                if tensor.is_floating_point() and tensor.dim() == 1:
                    tensor.add_(torch.rand_like(tensor) * 0.2)
        fresh.eval()
        write_outputs(module.run(fresh, inputs), resave["outputs"])
        module.save_fusegraph_weights(fresh, resave["dir"])


def torchvision_names(arch, key):
    """A torchvision state_dict key as (fusegraph node id, tensor name)."""
    path, _, tensor = key.rpartition(".")
    if arch.startswith("densenet"):
        path = re.sub(r"^features\.", "", path)
        m = re.match(r"denseblock(\d+)\.denselayer(\d+)\.(\w+)$", path)
        if m:
            return f"denseblock{m[1]}.{int(m[2]) - 1}/{m[3]}", tensor
        m = re.match(r"(transition\d+)\.(\w+)$", path)
        if m:
            return f"{m[1]}/{m[2]}", tensor
        return path, tensor
    m = re.match(r"(layer\d+\.\d+)\.(.+)$", path)
    return (f"{m[1]}/{m[2]}" if m else path), tensor


def against_torchvision(job, module):
    """torchvision's seeded random model, its state_dict renamed into the generated module."""
    import torchvision

    torch.manual_seed(job.get("seed", 0))
    reference = getattr(torchvision.models, job["arch"])(weights=None).eval()
    attributes = {fg.rpartition("/")[0]: pt.rpartition(".")[0] for fg, pt, _ in module.WEIGHTS}
    model = module.build_model()
    renamed = {}
    for key, value in reference.state_dict().items():
        node, tensor = torchvision_names(job["arch"], key)
        renamed[f"{attributes[node]}.{tensor}"] = value
    model.load_state_dict(renamed, strict=True)
    model.eval()
    image = read_raw(job["input"])
    with torch.no_grad():
        theirs = reference(module.to_torch(image, module.INPUTS[0][1]))
    (ours,) = module.run(model, {module.INPUTS[0][0]: image}).values()
    write_outputs({"ours": ours, "theirs": theirs.numpy()}, job["outputs"])


def main(jobs_path, report_path):
    torch.manual_seed(0)
    with open(jobs_path, encoding="utf-8") as f:
        jobs = json.load(f)
    report = {}
    for index, job in enumerate(jobs):
        start = time.time()
        try:
            for path in job.get("compile", []):
                py_compile.compile(path, doraise=True)
            module = load_module(job["model"], f"exported_{index}")
            {"compare": compare, "torchvision": against_torchvision}[job["kind"]](job, module)
            report[job["name"]] = {"ok": True, "seconds": time.time() - start}
        except Exception:  # noqa: BLE001  (reported per job, so one failure names itself)
            report[job["name"]] = {"ok": False, "error": traceback.format_exc(), "seconds": time.time() - start}
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
