#!/usr/bin/env bash
# The device check for a machine with a GPU (NVIDIA + Vulkan in mind), no network and no
# Node.js: `pack` here builds a self-contained folder and tarball (this machine's node binary,
# the project's production files and node_modules, the VGG-19 weights and two images), and
# `run` there prints, in under 5 minutes:
#   1. atelier doctor (engines, providers, adapter, the tiny parity check, weights);
#   2. WebGPU against the CPU provider at 64×96 on the real weights (scripts/provider-parity.ts);
#   3. seconds per loss-and-gradient evaluation at 512×384 and 1024×768 (W×H) on WebGPU,
#      NCHW and NHWC layouts (scripts/bench-onnx.ts);
#   4. where python3 has a CUDA PyTorch: the same algorithm in PyTorch on that GPU, same sizes,
#      in the same run (scripts/torch_reference.py bench --device cuda), and the ratio.
# Without a usable WebGPU the run takes the CPU fallback (small size, few repeats), so the
# script itself can be checked anywhere.
#
#   scripts/gpu-check.sh pack [DIR]     # default DIR: /tmp/atelier-gpu-check (tarball: DIR.tar.gz)
#   DIR/gpu-check.sh run                # on the GPU machine, after unpacking: tar xzf atelier-gpu-check.tar.gz
#
# Environment for `run`: GPU_CHECK_PROVIDER (default webgpu; cpu forces the fallback),
# GPU_CHECK_SIZES (default 384x512,768x1024, H×W as bench-onnx takes them).
set -uo pipefail  # no -e: a failed step is reported and the next one still runs

here="$(cd "$(dirname "$0")" && pwd)"

pack() {
  local out="${1:-/tmp/atelier-gpu-check}"
  local repo
  repo="$(cd "$here/.." && pwd)"
  local shared="$repo/../shared"
  [ -f "$shared/vgg19-keras-uint8/weights_manifest.json" ] || { echo "gpu-check pack: no weights at $shared/vgg19-keras-uint8" >&2; exit 2; }
  rm -rf "$out" && mkdir -p "$out/app" "$out/shared/images/content" "$out/shared/images/style"
  cp "$(command -v node)" "$out/node"
  # Production files: what bin/atelier.js, the daemon's engine and the scripts load.
  (cd "$repo" && tar -cf - package.json tsconfig.json bin daemon protocol \
      scripts/bench-onnx.ts scripts/provider-parity.ts scripts/torch_reference.py) | tar -xf - -C "$out/app"
  # node_modules without dev tools, source maps and other platforms' onnxruntime builds.
  (cd "$repo" && tar -cf - \
      --exclude='node_modules/typescript' --exclude='node_modules/playwright-core' \
      --exclude='node_modules/@figma' --exclude='node_modules/@types' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
      --exclude='*.map' --exclude='node_modules/@tensorflow/tfjs/dist/miniprogram' \
      node_modules) | tar -xf - -C "$out/app"
  cp -r "$shared/vgg19-keras-uint8" "$out/shared/"
  cp "$shared/images/content/tubingen.jpg" "$out/shared/images/content/"
  cp "$shared/images/style/starry_night.jpg" "$out/shared/images/style/"
  cp "$here/gpu-check.sh" "$out/gpu-check.sh"
  tar -czf "$out.tar.gz" -C "$(dirname "$out")" "$(basename "$out")"
  echo "gpu-check pack: $out ($(du -sh "$out" | cut -f1)), $out.tar.gz ($(du -sh "$out.tar.gz" | cut -f1))"
  echo "on the GPU machine: tar xzf $(basename "$out").tar.gz && $(basename "$out")/gpu-check.sh run"
}

step() { echo; echo "== $* ($(date -u +%T))"; }
# Says when a step failed or ran out of time (timeout exits 124), then goes on with the next.
check() { local rc=$?; [ "$rc" -eq 0 ] || echo "gpu-check: that step failed (exit $rc$([ "$rc" -eq 124 ] && echo ', timed out'))"; }

run() {
  local node="$here/node"
  [ -x "$node" ] || node="$(command -v node)"
  cd "$here/app" || { echo "gpu-check run: no app/ beside this script; run it from the packed folder" >&2; exit 2; }
  export ATELIER_WEIGHTS="$here/shared/vgg19-keras-uint8"
  # A cache of its own: nothing here touches the user's Atelier settings.
  export XDG_CACHE_HOME="$here/cache" XDG_CONFIG_HOME="$here/config"
  local provider="${GPU_CHECK_PROVIDER:-webgpu}"
  local sizes="${GPU_CHECK_SIZES:-384x512,768x1024}"
  local started=$SECONDS
  step "machine"
  uname -a; nproc; (command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv) || echo "no nvidia-smi"
  ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null
  step "atelier doctor"
  timeout 120 "$node" bin/atelier.js doctor --weights "$ATELIER_WEIGHTS" | tee "$here/doctor.txt"; check
  if ! grep -qE "^  $provider +yes" "$here/doctor.txt"; then
    echo "gpu-check: $provider does not start here; CPU fallback (150x225, 2 runs) so the rest still runs"
    provider=cpu sizes=150x225
  fi
  local warmup=2 repeat=5
  [ "$provider" = cpu ] && warmup=1 repeat=2
  step "parity $provider vs cpu at 64x96 (real weights, reference layers)"
  timeout 120 "$node" --import tsx scripts/provider-parity.ts --provider "$provider" --size 64x96; check
  step "seconds per evaluation on $provider, layout NCHW: $sizes"
  timeout 200 "$node" --import tsx scripts/bench-onnx.ts --engines onnx --provider "$provider" --sizes "$sizes" \
    --warmup "$warmup" --repeat "$repeat" | tee "$here/bench-nchw.json"; check
  if [ "$provider" = webgpu ]; then
    step "the same, layout NHWC (preferredLayout), ${sizes%%,*}"
    timeout 120 "$node" --import tsx scripts/bench-onnx.ts --engines onnx --provider webgpu --webgpu-layout NHWC \
      --sizes "${sizes%%,*}" --warmup "$warmup" --repeat "$repeat" | tee "$here/bench-nhwc.json"; check
  fi
  step "PyTorch on CUDA, same algorithm and sizes"
  if python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    timeout 150 python3 scripts/torch_reference.py bench --weights "$ATELIER_WEIGHTS" --device cuda \
      --sizes "$sizes" --warmup "$warmup" --repeat "$repeat" | tee "$here/torch.json"; check
    "$node" -e '
      const fs = require("fs");
      const ours = JSON.parse(fs.readFileSync(process.argv[1], "utf8").trim().split("\n").pop());
      const torch = JSON.parse(fs.readFileSync(process.argv[2], "utf8").trim().split("\n").pop());
      for (const row of ours.rows) {
        const t = torch.sizes[row.size];
        if (t) console.log(`${row.size}: ${row.backend} ${row.median} s, PyTorch ${torch.device} ${t.median} s: ratio ${(row.median / t.median).toFixed(2)}`);
      }' "$here/bench-nchw.json" "$here/torch.json"
  else
    echo "no CUDA PyTorch in python3 ($(python3 -c 'import torch; print(torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -1))"
  fi
  step "done in $((SECONDS - started)) s"
}

case "${1:-}" in
  pack) shift; pack "$@" ;;
  run) run ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
