/**
 * The fixed part of every model.py: fusegraph's weights format in numpy (read and atomic write), the
 * NHWC <-> NCHW edges, and the command line that mirrors `fusegraph run`.
 */
export const runtimePy = `def _tensor(model, path):
    """The parameter or buffer at a state_dict path such as "layer1_0_conv1.weight"."""
    module, _, name = path.rpartition(".")
    return getattr(model.get_submodule(module), name)


def _to_torch_layout(array, layout):
    """A fusegraph weight (numpy) in PyTorch's layout (see WEIGHTS)."""
    if layout == "hwio":
        return array.transpose(3, 2, 0, 1)
    if layout == "io":
        return array.T
    return array


def _to_fusegraph_layout(array, layout):
    """A PyTorch weight (numpy) in fusegraph's layout: the inverse of _to_torch_layout."""
    if layout == "hwio":
        return array.transpose(2, 3, 1, 0)
    if layout == "io":
        return array.T
    return array


def load_fusegraph_weights(model, weights_dir):
    """Loads a fusegraph weights directory (weights.json + weights.bin) into \`model\`.

    weights.json lists each weight's name, shape and byte range in weights.bin (float32,
    little-endian). The names must be exactly this model's; shapes are checked.
    """
    manifest_path = os.path.join(weights_dir, "weights.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") != "fusegraph-weights" or manifest.get("version") != 1:
        raise ValueError(f"{manifest_path} is not a fusegraph weights manifest")
    data = np.fromfile(os.path.join(weights_dir, manifest.get("binary", "weights.bin")), dtype="<f4")
    entries = {entry["name"]: entry for entry in manifest["weights"]}
    expected = {name for name, _, _ in WEIGHTS}
    if set(entries) != expected:
        missing = sorted(expected - set(entries))
        extra = sorted(set(entries) - expected)
        raise ValueError(f"{manifest_path}: missing weights {missing}, unexpected weights {extra}")
    with torch.no_grad():
        for name, path, layout in WEIGHTS:
            entry = entries[name]
            start = entry["offset"] // 4
            count = entry["byteLength"] // 4
            if start + count > data.size:
                raise ValueError(f"weight {name!r} runs past the end of the binary in {weights_dir}")
            values = _to_torch_layout(data[start:start + count].reshape(entry["shape"]), layout)
            target = _tensor(model, path)
            if tuple(target.shape) != values.shape:
                raise ValueError(
                    f"weight {name!r} has shape {entry['shape']}, but {path} is {list(target.shape)} ({layout} layout)"
                )
            target.copy_(torch.from_numpy(np.ascontiguousarray(values)))
            if layout == "lstm_bias":
                _tensor(model, path.replace("bias_ih", "bias_hh")).zero_()


def _is_weights_dir(path):
    """Whether \`path\` is empty or holds only a fusegraph weights output (which may be replaced)."""
    entries = set(os.listdir(path))
    if not entries:
        return True
    if not entries <= {"weights.json", "weights.bin"} or "weights.json" not in entries:
        return False
    try:
        with open(os.path.join(path, "weights.json"), encoding="utf-8") as f:
            return json.load(f).get("format") == "fusegraph-weights"
    except (OSError, ValueError):
        return False


def save_fusegraph_weights(model, weights_dir):
    """Writes \`model\`'s weights as a fusegraph weights directory (fusegraph's loadWeights reads it).

    The files go to a temporary sibling directory that is renamed into place, so \`weights_dir\` never
    holds half an output. An existing weights directory is replaced; any other directory is refused.
    """
    entries, chunks, offset = [], [], 0
    for name, path, layout in WEIGHTS:
        tensor = _tensor(model, path).detach()
        if layout == "lstm_bias":
            tensor = tensor + _tensor(model, path.replace("bias_ih", "bias_hh")).detach()
        array = np.ascontiguousarray(_to_fusegraph_layout(tensor.cpu().numpy(), layout), dtype="<f4")
        entries.append({
            "name": name, "shape": list(array.shape), "dtype": "float32",
            "offset": offset, "byteLength": array.nbytes,
        })
        chunks.append(array.tobytes())
        offset += array.nbytes
    target = os.path.abspath(weights_dir)
    if os.path.lexists(target) and not (os.path.isdir(target) and _is_weights_dir(target)):
        raise FileExistsError(f"{weights_dir} exists and is not a fusegraph weights directory")
    parent, base = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    # Sibling names as fusegraph's own writer uses, so a later fusegraph run removes a killed run's leftovers.
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    staging = os.path.join(parent, f".{base}.tmp-{tag}")
    os.mkdir(staging)
    try:
        manifest = {"format": "fusegraph-weights", "version": 1, "weights": entries}
        files = {
            "weights.bin": b"".join(chunks),
            "weights.json": (json.dumps(manifest, indent=2) + "\\n").encode(),
        }
        for file_name, payload in files.items():
            with open(os.path.join(staging, file_name), "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
        if os.path.isdir(target) and os.listdir(target):
            old = os.path.join(parent, f".{base}.old-{tag}")
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def to_torch(array, example_shape):
    """A batch-first NHWC array as this module's input: NCHW for images, as it is otherwise."""
    array = np.ascontiguousarray(array, dtype=np.float32)
    if tuple(array.shape[1:]) != tuple(example_shape):
        raise ValueError(f"input has shape {list(array.shape)}, expected [batch, {', '.join(map(str, example_shape))}]")
    tensor = torch.from_numpy(array)
    return tensor.permute(0, 3, 1, 2).contiguous() if tensor.dim() == 4 else tensor


def to_numpy(tensor):
    """A module output as a batch-first NHWC array."""
    if tensor.dim() == 4:
        tensor = tensor.permute(0, 2, 3, 1)
    return np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype=np.float32)


def read_inputs(path):
    """Inputs keyed by input id: a .npy (one graph input), or a .npz or .json keyed by input id."""
    ids = [input_id for input_id, _ in INPUTS]
    if path.endswith(".npz"):
        with np.load(path) as archive:
            arrays = {key: archive[key] for key in archive.files}
    elif path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
        arrays = value if isinstance(value, dict) else {ids[0]: value}
    else:
        if len(ids) != 1:
            raise ValueError(f"this graph has inputs {ids}: give a .npz or .json keyed by input id")
        arrays = {ids[0]: np.load(path)}
    missing = [i for i in ids if i not in arrays]
    if missing:
        raise ValueError(f"{path} lacks inputs {missing}")
    return {i: np.asarray(arrays[i], dtype=np.float32) for i in ids}


def output_paths(out):
    """Output id -> file: \`out\` for one output, <base>.<id>.npy for several (as \`fusegraph run\` writes)."""
    ids = [output_id for output_id, _ in OUTPUTS]
    if len(ids) == 1:
        return {ids[0]: out}
    base = out[:-4] if out.lower().endswith(".npy") else out
    return {o: f"{base}.{re.sub(r'[^A-Za-z0-9._-]', '_', o)}.npy" for o in ids}


def run(model, inputs):
    """One forward pass on NHWC numpy inputs keyed by input id; NHWC outputs keyed by output id."""
    args = [to_torch(inputs[input_id], shape) for input_id, shape in INPUTS]
    with torch.no_grad():
        result = model(*args)
    results = result if isinstance(result, tuple) else (result,)
    return {output_id: to_numpy(t) for (output_id, _), t in zip(OUTPUTS, results)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True, help="a fusegraph weights directory (weights.json + weights.bin)")
    parser.add_argument("--input", required=True, help=".npy for one graph input; .npz or .json keyed by input id")
    parser.add_argument("--out", required=True, help="output .npy; several outputs go to <base>.<output id>.npy")
    args = parser.parse_args(argv)
    model = build_model()
    load_fusegraph_weights(model, args.weights)
    model.eval()
    outputs = run(model, read_inputs(args.input))
    for output_id, path in output_paths(args.out).items():
        np.save(path, outputs[output_id])


if __name__ == "__main__":
    main()
`;
