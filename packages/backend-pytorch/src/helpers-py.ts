/**
 * Python helpers a generated model.py may need, each emitted only when the spec uses it (with the
 * helpers it calls), so a plain ResNet's file holds nothing but its layers.
 */

const resize = `def resize(x, size, mode, align_corners=False):
    """Resizes NCHW \`x\` to \`size\` (h, w) by fusegraph's rule.

    Nearest takes source index floor(d * n / m), in integers so no rounding moves a pixel; bilinear
    samples half-pixel centres (or the corners with align_corners), as F.interpolate does.
    """
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    if mode == "nearest":
        rows = torch.arange(size[0], device=x.device) * x.shape[-2] // size[0]
        cols = torch.arange(size[1], device=x.device) * x.shape[-1] // size[1]
        return x.index_select(-2, rows).index_select(-1, cols)
    return F.interpolate(x, size=size, mode="bilinear", align_corners=align_corners)`;

const pool2d = `class Pool2d(nn.Module):
    """Max or average pooling for windows nn.MaxPool2d and nn.AvgPool2d cannot take.

    That is unequal pads (TF's "same"), pads over half the window, or a dilated average. \`pads\`
    (top, bottom, left, right) is the padded extent, cut or stretched at the bottom/right so that it
    holds exactly fusegraph's windows. Max pads with -inf, so a pad never wins. An average divides by
    the taps inside the input, or with \`count_include_pad\` (the declared pads) by those inside the
    declared padding too.
    """

    def __init__(
        self, mode, kernel_size, stride, dilation, pads, input_size, output_size, count_include_pad=None
    ):
        super().__init__()
        self.mode = mode
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.stride = stride
        self.dilation = dilation
        top, bottom, left, right = pads
        self.pads = (left, right, top, bottom)
        height, width = input_size
        mask = torch.ones(1, 1, height, width)
        if count_include_pad is not None:
            c_top, c_bottom, c_left, c_right = count_include_pad
            mask = F.pad(mask, (c_left, c_right, c_top, c_bottom), value=1.0)
            mask = F.pad(mask, (left - c_left, right - c_right, top - c_top, bottom - c_bottom))
        else:
            mask = F.pad(mask, self.pads)
        count = F.unfold(mask, kernel_size, dilation=dilation, stride=stride).sum(1)
        self.register_buffer("count", count, persistent=False)

    def forward(self, x):
        n, c = x.shape[:2]
        fill = float("-inf") if self.mode == "max" else 0.0
        x = F.pad(x, self.pads, value=fill)
        cols = F.unfold(x, self.kernel_size, dilation=self.dilation, stride=self.stride)
        cols = cols.view(n, c, -1, cols.shape[-1])
        y = cols.amax(2) if self.mode == "max" else cols.sum(2) / self.count
        return y.view(n, c, *self.output_size)
`;

const fusionNormalize = `def normalize_fusion_weights(w, mode, epsilon):
    """fusegraph's fusion-weight normalisation: none, softmax, or relu(w) / (epsilon + sum relu(w))."""
    if mode == "softmax":
        return torch.softmax(w, 0)
    if mode == "relu":
        w = torch.relu(w)
        return w / (epsilon + w.sum())
    return w`;

const fusionWeights = `class FusionWeights(nn.Module):
    """n learnable fusion weights, normalised; the anchor input gives only the batch size."""

    def __init__(self, init, normalize="none", epsilon=1e-4):
        super().__init__()
        self.weights = nn.Parameter(torch.tensor(init, dtype=torch.float32))
        self.normalize = normalize
        self.epsilon = epsilon

    def forward(self, anchor):
        w = normalize_fusion_weights(self.weights, self.normalize, self.epsilon)
        return w.expand(anchor.shape[0], -1)`;

const weightedAdd = `class WeightedAdd(nn.Module):
    """Learnable weighted sum of same-shaped inputs, sum_i w'_i x_i (+ b).

    w' is w, softmax(w) or relu(w) / (epsilon + sum relu(w)): BiFPN's fast normalised fusion
    (Tan et al., 2020). HED's fusion layer is the same with a bias.
    """

    def __init__(self, init, normalize="none", epsilon=1e-4, bias=None):
        super().__init__()
        self.weights = nn.Parameter(torch.tensor(init, dtype=torch.float32))
        self.bias = None if bias is None else nn.Parameter(torch.tensor([bias], dtype=torch.float32))
        self.normalize = normalize
        self.epsilon = epsilon

    def forward(self, *inputs):
        w = normalize_fusion_weights(self.weights, self.normalize, self.epsilon)
        y = sum(w[i] * x for i, x in enumerate(inputs))
        return y if self.bias is None else y + self.bias`;

const biasAdd = `class BiasAdd(nn.Module):
    """Adds one learnable scalar to every element."""

    def __init__(self, init=0.0):
        super().__init__()
        self.bias = nn.Parameter(torch.tensor([init], dtype=torch.float32))

    def forward(self, x):
        return x + self.bias`;

const conv1x1Add = `class Conv1x1Add(nn.Module):
    """FPN's merge (Lin et al., 2017): project, resize and add inputs of different channels and sizes.

    Each input listed in \`in_channels\` ({input index: channels}) gets a 1x1 conv to \`channels\` (and a
    batch norm with \`norm\`); every input is resized to \`size\` (after projecting, or before with
    \`resize_first\`); then all are summed.
    """

    def __init__(
        self, in_channels, channels, size, bias=True, norm=False, mode="nearest", align_corners=False,
        resize_first=False,
    ):
        super().__init__()
        self.proj = nn.ModuleDict(
            {str(i): nn.Conv2d(c, channels, 1, bias=bias) for i, c in in_channels.items()}
        )
        self.norm = None
        if norm:
            self.norm = nn.ModuleDict(
                {str(i): nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01) for i in in_channels}
            )
        self.size = size
        self.mode = mode
        self.align_corners = align_corners
        self.resize_first = resize_first

    def forward(self, *inputs):
        total = 0
        for i, x in enumerate(inputs):
            key = str(i)
            if self.resize_first:
                x = resize(x, self.size, self.mode, self.align_corners)
            if key in self.proj:
                x = self.proj[key](x)
                if self.norm is not None:
                    x = self.norm[key](x)
            total = total + resize(x, self.size, self.mode, self.align_corners)
        return total`;

const shareWeights = `def share_weights(module, owner):
    """Makes \`module\` use \`owner\`'s parameters and buffers (fusegraph's shareWeights): one tensor, two uses."""
    for name, sub in module.named_modules():
        source = owner.get_submodule(name)
        for key, _ in list(sub.named_parameters(recurse=False)):
            setattr(sub, key, getattr(source, key))
        for key, _ in list(sub.named_buffers(recurse=False)):
            setattr(sub, key, getattr(source, key))`;

const HELPERS = {
  resize: { code: resize, needs: [] },
  pool2d: { code: pool2d, needs: [] },
  fusionNormalize: { code: fusionNormalize, needs: [] },
  fusionWeights: { code: fusionWeights, needs: ["fusionNormalize"] },
  weightedAdd: { code: weightedAdd, needs: ["fusionNormalize"] },
  biasAdd: { code: biasAdd, needs: [] },
  conv1x1Add: { code: conv1x1Add, needs: ["resize"] },
  shareWeights: { code: shareWeights, needs: [] },
} as const satisfies Record<string, { code: string; needs: readonly string[] }>;

export type HelperName = keyof typeof HELPERS;

/** The helpers' code in a fixed order, with everything they call, each once. */
export function helperCode(used: ReadonlySet<HelperName>): string[] {
  const all = new Set<HelperName>();
  const visit = (h: HelperName) => {
    for (const n of HELPERS[h].needs) visit(n);
    all.add(h);
  };
  for (const h of used) visit(h);
  return (Object.keys(HELPERS) as HelperName[]).filter((h) => all.has(h)).map((h) => HELPERS[h].code);
}
