#!/usr/bin/python3
"""PyTorch reference for the Atelier style engine (issue 2: parity fixture and benchmark).

Runs the same VGG-19 Gatys optimisation as daemon/engine/ on the same TensorFlow.js weights,
so the engine's losses can be compared against a committed fixture and its speed against
PyTorch. CI never runs this script: it needs Debian's python3-torch (1.13) and /work/shared.
If `import torch` fails, the script re-executes itself with /usr/bin/python3 when that has
torch, and otherwise installs `python3-torch python3-numpy python3-pil` with apt-get.

Commands (run from the repository root; /usr/bin/python3 is the interpreter with torch):

  # Fixture 1: the d2l "reference" algorithm at a tiny size (the reference preset's Caffe-convention defaults, daemon/engine/presets.ts; StepLR step shortened to 20)
  /usr/bin/python3 scripts/torch_reference.py fixture --weights ../shared/vgg19-keras-uint8 --content ../shared/images/content/tubingen.jpg --style ../shared/images/style/starry_night.jpg --out test/fixtures/parity/reference-adam.json --stages 32x48:30,64x96:30 --optimizer adam --lr 0.5763 --lr-step 20 --lr-gamma 0.1 --content-layers relu4_4 --style-layers relu1_1,relu2_1,relu3_1,relu4_1,conv5_1 --content-weight 2.1633e-5 --style-weight 4.68e-7 --tv-weight 0.17352 --convention caffe

  # Fixture 2: classic neural-style layers and weights with L-BFGS
  /usr/bin/python3 scripts/torch_reference.py fixture --weights ../shared/vgg19-keras-uint8 --content ../shared/images/content/tubingen.jpg --style ../shared/images/style/starry_night.jpg --out test/fixtures/parity/classic-lbfgs.json --stages 48x64:20 --optimizer lbfgs --history 10 --content-layers relu4_2 --style-layers relu1_1,relu2_1,relu3_1,relu4_1,relu5_1 --content-weight 5 --style-weight 100 --tv-weight 1e-3 --convention caffe

  # Benchmark: one JSON line on stdout, everything else on stderr
  /usr/bin/python3 scripts/torch_reference.py bench --weights ../shared/vgg19-keras-uint8 --sizes 150x225,300x450 --warmup 2 --repeat 5

  # Self-test: Gram/TV against hand computations, weight decoding, finite losses
  /usr/bin/python3 scripts/torch_reference.py selftest --weights ../shared/vgg19-keras-uint8

Sizes are HxW (height first), as in d2l's (150, 225).

Algorithm (what the engine must match):
- Weights: `weights_manifest.json` groups; all groups' shards are concatenated in order and the
  specs read in order. uint8/uint16-quantized tensors decode exactly as tfjs-core's
  io.decodeWeights does: `q * scale + min` in float64 (JavaScript numbers), then stored as
  float32 (one rounding). Trailing bytes are ignored. Kernels HWIO -> torch OIHW.
- VGG-19 features: blocks of (2, 2, 4, 4, 4) 3x3/stride 1/pad 1 convs + bias + ReLU; 2x2/2 max
  pool (floor) after each block. Taps `conv{b}_{i}` (pre-ReLU) and `relu{b}_{i}` (post-ReLU);
  the forward pass stops at the deepest requested tap.
- Conventions: caffe: x = RGB->BGR of 0..255 pixels minus [103.939, 116.779, 123.68] (B, G, R);
  torchvision: x = (rgb/255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]. Postprocess is
  the inverse, then clamp to [0, 255].
- Losses: content = sum_l cw * mean((F_l(X) - F_l(C))^2); gram(F) = F F^T / (c*h*w) with F as
  [c, h*w]; style = sum_l sw * mean((gram(F_l(X)) - G_l)^2), G_l = sum_i w_i gram(F_l(S_i)) with
  w normalised to sum 1; tv = tvw * 0.5 * (mean|dX/dy| + mean|dX/dx|) on X itself;
  total = content + style + tv. Targets are detached.
- Adam: per iteration zero_grad, losses (logged: BEFORE the update), backward, Adam step
  (betas 0.9/0.999, eps 1e-8), StepLR(step_size=lr_step, gamma=lr_gamma).step().
- L-BFGS: torch.optim.LBFGS([X], lr=1, max_iter=N, history_size=H, tolerance_grad=1e-7,
  tolerance_change=1e-9, line_search_fn=None), ONE .step(closure). Every closure evaluation is
  logged as one iteration. With max_iter=N and no early stop there are exactly N evaluations:
  one at the start, then one after each of the first N-1 updates (torch does not re-evaluate
  after the last), so losses[k] is the loss of X_k before update k, as for Adam. Torch's
  L-BFGS in brief: d = -g at first, step t = min(1, 1/sum|g|) * lr on the first iteration and
  t = lr afterwards; a pair (s = t*d, y = g_new - g_old) enters the history only if y.s > 1e-10
  (oldest dropped beyond H), with H_diag = y.s / y.y and the usual two-loop recursion; it stops
  early when max|g| <= tolerance_grad, or |t * d|max <= tolerance_change, or the loss changes
  by less than tolerance_change, or after max_eval = N * 5 // 4 evaluations.
- Stages: images resized per stage with PIL Image.resize((w, h), Image.BICUBIC) from the
  original file (RGB); those uint8 pixels are stored in the fixture and are what the engine
  must be fed. Stage 1 starts from preprocess(content). Stage k > 1 starts from the previous
  stage's X: postprocess (clamped float, NOT rounded to uint8), F.interpolate(bilinear,
  align_corners=False, antialias=False) to (h_k, w_k), preprocess. Fresh optimiser and
  scheduler per stage; targets recomputed per stage from that stage's images.
- Float32 throughout, torch.set_num_threads(2) unless --threads.

Fixture rounding: losses are written with 9 significant digits (exact for float32);
resultRgbBase64 is the stage's postprocessed float result rounded half-to-even (torch.round)
to uint8; rgbBase64 fields are interleaved RGB bytes, row-major.
"""

import argparse
import base64
import hashlib
import json
import math
import os
import re
import resource
import subprocess
import sys
import time

APT_PACKAGES = ["python3-torch", "python3-numpy", "python3-pil"]
SYSTEM_PYTHON = "/usr/bin/python3"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def ensure_torch():
    """Import torch, numpy and PIL; fall back to /usr/bin/python3, then to apt-get."""
    try:
        import numpy  # noqa: F401
        import PIL  # noqa: F401
        import torch  # noqa: F401
        return
    except ImportError as error:
        missing = str(error)
    probe = [SYSTEM_PYTHON, "-c", "import torch, numpy, PIL"]
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and os.path.exists(SYSTEM_PYTHON):
        if subprocess.run(probe, stderr=subprocess.DEVNULL).returncode == 0:
            log(f"torch_reference: {missing} in {sys.executable}; re-running with {SYSTEM_PYTHON}")
            os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    command = ["apt-get", "install", "-y"] + APT_PACKAGES
    if os.geteuid() != 0:
        command = ["sudo"] + command
    log(f"torch_reference: {missing}; installing Debian packages: {' '.join(command)}")
    if subprocess.run(command, stdout=sys.stderr).returncode != 0:
        update = (["sudo"] if os.geteuid() != 0 else []) + ["apt-get", "update"]
        log(f"torch_reference: install failed; running {' '.join(update)} and retrying")
        subprocess.run(update, stdout=sys.stderr, check=True)
        subprocess.run(command, stdout=sys.stderr, check=True)
    log(f"torch_reference: installed; re-running with {SYSTEM_PYTHON}")
    os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)


ensure_torch()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

BLOCK_SIZES = (2, 2, 4, 4, 4)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCHVISION_MEAN = (0.485, 0.456, 0.406)
TORCHVISION_STD = (0.229, 0.224, 0.225)
TAP_PATTERN = re.compile(r"^(conv|relu)([1-5])_([1-4])$")
QUANTIZED_DTYPES = {"uint8": (np.uint8, 1), "uint16": (np.uint16, 2), "float16": (np.float16, 2)}
PLAIN_DTYPES = {"float32": (np.float32, 4), "int32": (np.int32, 4)}


class ReferenceFailure(Exception):
    pass


# ---------------------------------------------------------------- weights

def read_weights(weights_dir):
    """Decode a tfjs weights manifest into {name: float32 numpy array}, as tfjs-core does."""
    manifest_path = os.path.join(weights_dir, "weights_manifest.json")
    try:
        with open(manifest_path, "rb") as handle:
            manifest_bytes = handle.read()
        manifest = json.loads(manifest_bytes)
    except (OSError, ValueError) as error:
        raise ReferenceFailure(f"{manifest_path}: cannot read the weights manifest ({error})")
    if not isinstance(manifest, list):
        raise ReferenceFailure(f"{manifest_path}: expected a list of weight groups")
    buffers, specs = [], []
    for group in manifest:
        for shard in group["paths"]:
            shard_path = os.path.join(weights_dir, shard)
            try:
                with open(shard_path, "rb") as handle:
                    buffers.append(handle.read())
            except OSError as error:
                raise ReferenceFailure(f"{shard_path}: cannot read weight shard ({error})")
        specs.extend(group["weights"])
    data = b"".join(buffers)
    offset, tensors = 0, {}
    for spec in specs:
        shape = [int(d) for d in spec["shape"]]
        count = int(np.prod(shape)) if shape else 1
        quantization = spec.get("quantization")
        if quantization:
            qtype, size = QUANTIZED_DTYPES[quantization["dtype"]]
            nbytes = count * size
            raw = np.frombuffer(data, dtype=np.dtype(qtype).newbyteorder("<"), count=count, offset=offset) \
                if offset + nbytes <= len(data) else None
            if raw is None:
                raise ReferenceFailure(f"{manifest_path}: shards end inside {spec['name']}")
            if quantization["dtype"] == "float16":
                values = raw.astype(np.float32)
            else:
                # JavaScript evaluates v * scale + min in float64, then Float32Array rounds once.
                values = (raw.astype(np.float64) * float(quantization["scale"])
                          + float(quantization["min"])).astype(np.float32)
        else:
            ptype, size = PLAIN_DTYPES[spec["dtype"]]
            nbytes = count * size
            if offset + nbytes > len(data):
                raise ReferenceFailure(f"{manifest_path}: shards end inside {spec['name']}")
            values = np.frombuffer(data, dtype=np.dtype(ptype).newbyteorder("<"), count=count,
                                   offset=offset).astype(np.float32)
        tensors[spec["name"]] = values.reshape(shape)
        offset += nbytes
    return tensors, hashlib.sha256(manifest_bytes).hexdigest()


class Vgg19Features:
    """VGG-19 conv stack; run(x, taps) returns the requested taps, stopping at the deepest."""

    def __init__(self, tensors):
        self.layers = []  # (block, index, weight OIHW, bias)
        for block, size in enumerate(BLOCK_SIZES, start=1):
            for index in range(1, size + 1):
                name = f"block{block}_conv{index}"
                if f"{name}/kernel" not in tensors or f"{name}/bias" not in tensors:
                    raise ReferenceFailure(f"weights lack {name}/kernel or {name}/bias")
                kernel = torch.from_numpy(np.ascontiguousarray(tensors[f"{name}/kernel"]))
                weight = kernel.permute(3, 2, 0, 1).contiguous()
                bias = torch.from_numpy(np.ascontiguousarray(tensors[f"{name}/bias"]))
                self.layers.append((block, index, weight, bias))

    @staticmethod
    def tap_position(tap):
        match = TAP_PATTERN.match(tap)
        if not match or int(match.group(3)) > BLOCK_SIZES[int(match.group(2)) - 1]:
            raise ReferenceFailure(f"unknown layer {tap!r}: use conv{{b}}_{{i}} or relu{{b}}_{{i}}")
        return int(match.group(2)), int(match.group(3)), match.group(1) == "relu"

    def run(self, x, taps):
        wanted = set(taps)
        deepest = max(self.tap_position(t)[:2] for t in wanted)
        out = {}
        for block, index, weight, bias in self.layers:
            x = F.conv2d(x, weight, bias, stride=1, padding=1)
            if f"conv{block}_{index}" in wanted:
                out[f"conv{block}_{index}"] = x
            x = F.relu(x)
            if f"relu{block}_{index}" in wanted:
                out[f"relu{block}_{index}"] = x
            if (block, index) == deepest:
                break
            if index == BLOCK_SIZES[block - 1]:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
        return out


# ---------------------------------------------------------------- conventions and images

def preprocess(rgb, convention):
    """rgb: float32 [1, 3, H, W] in 0..255 (RGB) -> network input."""
    if convention == "caffe":
        mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32).view(1, 3, 1, 1)
        return rgb[:, [2, 1, 0]] - mean
    mean = torch.tensor(TORCHVISION_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(TORCHVISION_STD, dtype=torch.float32).view(1, 3, 1, 1)
    return (rgb / 255.0 - mean) / std


def postprocess(x, convention):
    """Network input -> float32 RGB [1, 3, H, W] clamped to 0..255 (not rounded)."""
    if convention == "caffe":
        mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32).view(1, 3, 1, 1)
        rgb = (x + mean)[:, [2, 1, 0]]
    else:
        mean = torch.tensor(TORCHVISION_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(TORCHVISION_STD, dtype=torch.float32).view(1, 3, 1, 1)
        rgb = (x * std + mean) * 255.0
    return rgb.clamp(0.0, 255.0)


def load_resized(path, height, width):
    """Resize from the original file with PIL bicubic; returns uint8 HxWx3."""
    with Image.open(path) as image:
        rgb = image.convert("RGB").resize((width, height), Image.BICUBIC)
        return np.asarray(rgb, dtype=np.uint8).copy()


def synthetic_image(height, width, seed):
    """Deterministic smooth gradient, used by bench when no images are given or found."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * (xs / max(width - 1, 1))
    g = 255 * (ys / max(height - 1, 1))
    b = 127.5 + 127.5 * np.sin((xs + ys) / (7.0 + seed))
    return np.stack([r, g, b], axis=-1).round().astype(np.uint8)


def to_tensor(pixels):
    return torch.from_numpy(pixels.astype(np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()


def to_uint8(rgb):
    """Clamped float RGB tensor -> uint8 HxWx3, rounding half to even."""
    return torch.round(rgb[0]).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()


def image_json(pixels, **extra):
    height, width, _ = pixels.shape
    return {"width": width, "height": height,
            "rgbBase64": base64.b64encode(pixels.tobytes()).decode("ascii"), **extra}


# ---------------------------------------------------------------- losses

def gram(features):
    _, c, h, w = features.shape
    flat = features.reshape(c, h * w)
    return flat @ flat.t() / (c * h * w)


def tv_loss(x, weight):
    dy = (x[:, :, 1:, :] - x[:, :, :-1, :]).abs().mean()
    dx = (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().mean()
    return weight * 0.5 * (dy + dx)


class Objective:
    def __init__(self, net, cfg):
        self.net, self.cfg = net, cfg
        self.taps = list(dict.fromkeys(cfg["contentLayers"] + cfg["styleLayers"]))

    def set_targets(self, content_x, style_xs, style_weights):
        with torch.no_grad():
            feats = self.net.run(content_x, self.cfg["contentLayers"])
            self.content_targets = {k: v.detach() for k, v in feats.items()}
            total = float(sum(style_weights))
            grams = {layer: None for layer in self.cfg["styleLayers"]}
            for sx, sw in zip(style_xs, style_weights):
                feats = self.net.run(sx, self.cfg["styleLayers"])
                for layer in grams:
                    term = (sw / total) * gram(feats[layer])
                    grams[layer] = term if grams[layer] is None else grams[layer] + term
            self.style_targets = {k: v.detach() for k, v in grams.items()}

    def __call__(self, x):
        feats = self.net.run(x, self.taps)
        content = sum(self.cfg["contentWeight"] * torch.mean((feats[l] - self.content_targets[l]) ** 2)
                      for l in self.cfg["contentLayers"])
        style = sum(self.cfg["styleWeight"] * torch.mean((gram(feats[l]) - self.style_targets[l]) ** 2)
                    for l in self.cfg["styleLayers"])
        tv = tv_loss(x, self.cfg["tvWeight"])
        return content, style, tv, content + style + tv


def record(losses, content, style, tv, total):
    losses.append({k: float(f"{v.item():.9g}") for k, v in
                   (("content", content), ("style", style), ("tv", tv), ("total", total))})


def optimise_stage(objective, x0, cfg, iterations):
    """Runs one stage from x0 (network input); returns (final X, per-iteration losses)."""
    x = x0.detach().clone().requires_grad_(True)
    losses = []
    if cfg["optimizer"] == "adam":
        optimizer = torch.optim.Adam([x], lr=cfg["learningRate"], betas=(0.9, 0.999), eps=1e-8)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["lrStep"], gamma=cfg["lrGamma"])
        for _ in range(iterations):
            optimizer.zero_grad()
            content, style, tv, total = objective(x)
            record(losses, content, style, tv, total)
            total.backward()
            optimizer.step()
            scheduler.step()
    else:
        optimizer = torch.optim.LBFGS([x], lr=1, max_iter=iterations, history_size=cfg["historySize"],
                                      tolerance_grad=1e-7, tolerance_change=1e-9, line_search_fn=None)

        def closure():
            optimizer.zero_grad()
            content, style, tv, total = objective(x)
            record(losses, content, style, tv, total)
            total.backward()
            return total

        optimizer.step(closure)
    return x.detach(), losses


# ---------------------------------------------------------------- commands

def parse_size(text):
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match:
        raise ReferenceFailure(f"size {text!r} must be HxW, e.g. 150x225")
    return int(match.group(1)), int(match.group(2))


def parse_stages(text):
    stages = []
    for part in text.split(","):
        size, _, iterations = part.partition(":")
        if not iterations.isdigit():
            raise ReferenceFailure(f"stage {part!r} must be HxW:ITERATIONS, e.g. 32x48:30")
        stages.append((*parse_size(size), int(iterations)))
    return stages


def layer_list(text):
    layers = [t.strip() for t in text.split(",") if t.strip()]
    for tap in layers:
        Vgg19Features.tap_position(tap)
    return layers


def make_config(args):
    return {
        # torch's L-BFGS runs at lr 1 here whatever --lr says, so the fixture records 1.
        "optimizer": args.optimizer, "learningRate": args.lr if args.optimizer == "adam" else 1.0,
        "lrStep": args.lr_step,
        "lrGamma": args.lr_gamma, "historySize": args.history,
        "contentLayers": layer_list(args.content_layers), "styleLayers": layer_list(args.style_layers),
        "contentWeight": args.content_weight, "styleWeight": args.style_weight,
        "tvWeight": args.tv_weight, "init": "content",
    }


def compact_json(obj):
    """indent=1 JSON with every flat object of numbers (the loss rows) on one line."""
    text = json.dumps(obj, indent=1)
    return re.sub(r"\{\n\s*(\"[a-z]+\": [-0-9.e+]+,?\n\s*)+\}",
                  lambda m: re.sub(r"\s*\n\s*", " ", m.group(0)).replace("{ ", "{").replace(" }", "}"), text)


def command_fixture(args):
    cfg = make_config(args)
    stages = parse_stages(args.stages)
    tensors, manifest_sha = read_weights(args.weights)
    net = Vgg19Features(tensors)
    objective = Objective(net, cfg)
    style_paths = args.style
    style_weights = [1.0] * len(style_paths)
    out_stages, x_prev = [], None
    for number, (height, width, iterations) in enumerate(stages, start=1):
        content_px = load_resized(args.content, height, width)
        style_px = [load_resized(p, height, width) for p in style_paths]
        content_x = preprocess(to_tensor(content_px), args.convention)
        objective.set_targets(content_x, [preprocess(to_tensor(p), args.convention) for p in style_px],
                              style_weights)
        if x_prev is None:
            x0 = content_x
        else:
            rgb = F.interpolate(postprocess(x_prev, args.convention), size=(height, width), mode="bilinear",
                                align_corners=False, antialias=False)
            x0 = preprocess(rgb, args.convention)
        started = time.perf_counter()
        x_prev, losses = optimise_stage(objective, x0, cfg, iterations)
        seconds = time.perf_counter() - started
        for row in losses:
            if not all(math.isfinite(v) for v in row.values()):
                raise ReferenceFailure(f"stage {number}: non-finite loss {row}")
        result_px = to_uint8(postprocess(x_prev, args.convention))
        out_stages.append({
            "height": height, "width": width, "iterations": iterations,
            "content": image_json(content_px),
            "style": [image_json(p, weight=w) for p, w in zip(style_px, style_weights)],
            "losses": losses,
            "resultMean": float(f"{x_prev.mean().item():.9g}"),
            "resultRgbBase64": base64.b64encode(result_px.tobytes()).decode("ascii"),
        })
        first, last = losses[0], losses[-1]
        print(f"stage {number} {height}x{width}: {len(losses)} iterations in {seconds:.1f} s; "
              f"first content {first['content']:.6g} style {first['style']:.6g} tv {first['tv']:.6g} "
              f"total {first['total']:.6g}; last content {last['content']:.6g} style {last['style']:.6g} "
              f"tv {last['tv']:.6g} total {last['total']:.6g}; resultMean {out_stages[-1]['resultMean']:.6g}")
    fixture = {
        "generator": "scripts/torch_reference.py", "torch": torch.__version__,
        "weights": os.path.basename(os.path.normpath(args.weights)),
        "weightsManifestSha256": manifest_sha, "convention": args.convention,
        "config": cfg, "resultRounding": "half-to-even", "stages": out_stages,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        handle.write(compact_json(fixture) + "\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


def bench_image(path, fallback, height, width, seed):
    if path:
        return load_resized(path, height, width)
    if fallback and os.path.exists(fallback):
        return load_resized(fallback, height, width)
    log(f"bench: {fallback} not found; using a synthetic gradient image")
    return synthetic_image(height, width, seed)


def command_bench(args):
    cfg = {"optimizer": "adam", "learningRate": 0.6, "lrStep": 200, "lrGamma": 0.1, "historySize": 10,
           "contentLayers": ["relu4_4"], "styleLayers": ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "conv5_1"],
           "contentWeight": 1e-4, "styleWeight": 1e-6, "tvWeight": 0.2, "init": "content"}
    tensors, _ = read_weights(args.weights)
    net = Vgg19Features(tensors)
    # --device cuda: the same algorithm on the GPU (scripts/gpu-check.sh); total.item() below
    # waits for the device, so the timings include the whole iteration.
    device = torch.device(args.device)
    net.layers = [(b, i, w.to(device), bias.to(device)) for b, i, w, bias in net.layers]
    objective = Objective(net, cfg)
    shared = os.path.join(os.path.dirname(os.path.abspath(args.weights)), "images")
    sizes = {}
    for text in args.sizes.split(","):
        height, width = parse_size(text)
        content_px = bench_image(args.content, os.path.join(shared, "content", "tubingen.jpg"), height, width, 0)
        style_px = bench_image(args.style, os.path.join(shared, "style", "starry_night.jpg"), height, width, 1)
        content_x = preprocess(to_tensor(content_px), args.convention).to(device)
        objective.set_targets(content_x, [preprocess(to_tensor(style_px), args.convention).to(device)], [1.0])
        x = content_x.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([x], lr=cfg["learningRate"])
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["lrStep"], gamma=cfg["lrGamma"])
        runs = []
        for i in range(args.warmup + args.repeat):
            started = time.perf_counter()
            optimizer.zero_grad()
            content, style, tv, total = objective(x)
            total.backward()
            optimizer.step()
            scheduler.step()
            total.item()
            seconds = time.perf_counter() - started
            if not math.isfinite(total.item()):
                raise ReferenceFailure(f"bench {text}: non-finite loss")
            log(f"bench {text} {'warmup' if i < args.warmup else 'run'} {i + 1}: {seconds:.3f} s "
                f"(total {total.item():.6g})")
            if i >= args.warmup:
                runs.append(round(seconds, 4))
        sizes[text] = {"median": round(float(np.median(runs)), 4), "runs": runs}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"engine": "pytorch", "torch": torch.__version__, "device": str(device),
                      "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
                      "threads": torch.get_num_threads(),
                      "sizes": sizes, "peakRssMB": round(peak_mb, 1)}), flush=True)


def command_selftest(args):
    failures = []

    def check(name, got, want, tol=1e-6):
        ok = abs(got - want) <= tol * max(1.0, abs(want))
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: got {got!r}, hand {want!r}")
        if not ok:
            failures.append(name)

    print("gram of F = [[1,2],[3,4]] as c=2 channels, h=1, w=2: F F^T / (c*h*w) = [[5,11],[11,25]] / 4")
    g = gram(torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]]))
    for (i, j), want in {(0, 0): 1.25, (0, 1): 2.75, (1, 0): 2.75, (1, 1): 6.25}.items():
        check(f"gram[{i},{j}]", g[i, j].item(), want)
    print("tv of one channel [[0,1,3],[2,2,7]] (2x3), weight 2: vertical |2|,|1|,|4| mean 7/3; "
          "horizontal |1|,|2|,|0|,|5| mean 2; 2 * 0.5 * (7/3 + 2) = 13/3")
    check("tv", tv_loss(torch.tensor([[[[0.0, 1.0, 3.0], [2.0, 2.0, 7.0]]]]), 2.0).item(), 13.0 / 3.0)
    print("caffe round trip of RGB (10, 20, 30): preprocess -> BGR minus mean -> postprocess")
    rgb = torch.tensor([10.0, 20.0, 30.0]).view(1, 3, 1, 1)
    pre = preprocess(rgb, "caffe")
    check("caffe B", pre[0, 0, 0, 0].item(), 30 - 103.939, 1e-5)
    check("caffe R", pre[0, 2, 0, 0].item(), 10 - 123.68, 1e-5)
    check("caffe round trip R", postprocess(pre, "caffe")[0, 0, 0, 0].item(), 10.0, 1e-5)
    check("torchvision round trip G", postprocess(preprocess(rgb, "torchvision"), "torchvision")[0, 1, 0, 0].item(),
          20.0, 1e-5)
    if args.weights:
        tensors, sha = read_weights(args.weights)
        print(f"weights {args.weights}: {len(tensors)} tensors, manifest sha256 {sha}")
        with open(os.path.join(args.weights, "weights_manifest.json")) as handle:
            group = json.load(handle)[0]
        spec, quant = group["weights"][0], group["weights"][0]["quantization"]
        with open(os.path.join(args.weights, group["paths"][0]), "rb") as handle:
            q = np.frombuffer(handle.read(int(np.prod(spec["shape"]))), dtype=np.uint8)
        print(f"{spec['name']}: first bytes {q[:3].tolist()} decode to "
              f"{tensors[spec['name']].reshape(-1)[:3].tolist()} (min {quant['min']!r}, scale {quant['scale']!r})")
        hand = np.float32(int(q[0]) * quant["scale"] + quant["min"])
        check(f"{spec['name']}[0] = q * scale + min", float(tensors[spec["name"]].reshape(-1)[0]), float(hand), 0)
        f32 = q.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
        differ = int(np.count_nonzero(f32 != tensors[spec["name"]].reshape(-1)))
        print(f"  info: float32-arithmetic decoding would differ from tfjs (float64 then round) in "
              f"{differ} of {q.size} values of {spec['name']}")
        net = Vgg19Features(tensors)
        cfg = {"contentLayers": ["relu4_2"], "styleLayers": ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
               "contentWeight": 5.0, "styleWeight": 100.0, "tvWeight": 1e-3}
        objective = Objective(net, cfg)
        content = preprocess(to_tensor(synthetic_image(32, 48, 0)), "caffe")
        style = preprocess(to_tensor(synthetic_image(32, 48, 3)), "caffe")
        objective.set_targets(content, [style], [1.0])
        losses = [v.item() for v in objective(content)]
        print(f"losses at X = content (synthetic 32x48): content {losses[0]:.6g} (must be 0) style {losses[1]:.6g} "
              f"tv {losses[2]:.6g} total {losses[3]:.6g}")
        if not all(math.isfinite(v) for v in losses) or losses[0] != 0.0 or losses[1] <= 0:
            failures.append("real-weight losses")
        feats = net.run(content, ["conv5_4"])
        print(f"conv5_4 at 32x48: shape {tuple(feats['conv5_4'].shape)} (expects 512 x 2 x 3)")
        if tuple(feats["conv5_4"].shape) != (1, 512, 2, 3):
            failures.append("conv5_4 shape")
    print("selftest:", "FAILED " + ", ".join(failures) if failures else "all ok")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--weights", required=True, help="directory with weights_manifest.json")
    common.add_argument("--convention", choices=["caffe", "torchvision"], default="caffe")
    common.add_argument("--threads", type=int, default=2)

    fixture = sub.add_parser("fixture", parents=[common], help="write a parity fixture")
    fixture.add_argument("--content", required=True)
    fixture.add_argument("--style", required=True, action="append", help="repeat for several styles")
    fixture.add_argument("--out", required=True)
    fixture.add_argument("--stages", required=True, help="HxW:ITER[,HxW:ITER...]")
    fixture.add_argument("--optimizer", choices=["adam", "lbfgs"], default="adam")
    fixture.add_argument("--lr", type=float, default=0.6)
    fixture.add_argument("--lr-step", type=int, default=200)
    fixture.add_argument("--lr-gamma", type=float, default=0.1)
    fixture.add_argument("--history", type=int, default=10)
    fixture.add_argument("--content-layers", default="relu4_4")
    fixture.add_argument("--style-layers", default="relu1_1,relu2_1,relu3_1,relu4_1,conv5_1")
    fixture.add_argument("--content-weight", type=float, required=True)
    fixture.add_argument("--style-weight", type=float, required=True)
    fixture.add_argument("--tv-weight", type=float, required=True)

    bench = sub.add_parser("bench", parents=[common], help="time iterations, print one JSON line")
    bench.add_argument("--sizes", default="150x225,300x450")
    bench.add_argument("--warmup", type=int, default=2)
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--content")
    bench.add_argument("--style")
    bench.add_argument("--device", default="cpu", help="torch device, e.g. cuda")

    selftest = sub.add_parser("selftest", help="hand-computed checks of Gram, TV, conventions, weights")
    selftest.add_argument("--weights")

    args = parser.parse_args()
    torch.set_num_threads(getattr(args, "threads", 2))
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    try:
        if args.command == "fixture":
            command_fixture(args)
        elif args.command == "bench":
            command_bench(args)
        else:
            return command_selftest(args)
    except ReferenceFailure as error:
        log(f"torch_reference: error: {error}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
