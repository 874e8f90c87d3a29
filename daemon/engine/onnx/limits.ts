/**
 * Every default and limit of the ONNX Runtime engine, in one place.
 */

/** ONNX opset of the generated graphs: 17 has every op used (ReduceSumSquare with axes as an attribute, Pad with pads as an input). */
export const OPSET = 17;
/** IR version 8 pairs with opset 17 and loads on every onnxruntime since 1.13. */
export const IR_VERSION = 8;

/**
 * Sessions kept per backend, least recently used dropped first. A two-stage job needs a loss
 * and a target session per stage size; each session holds its own copy of the weights (~45–90
 * MB for the reference layers) and its planned buffers, so only one is kept: a job that comes
 * back to a size rebuilds its session (1–2 s), which costs less than what four held (issue 11:
 * 512×384 classic job, 3 iterations per stage, peak RSS 2.14 GB with 4, 1.93 GB with 1).
 */
export const SESSION_CACHE_SIZE = 1;

/**
 * onnxruntime's CPU memory arena for whole stages: with it, freed activation buffers stay with
 * the process and the arena grows to the largest graph ever run; off, every run allocates them
 * anew. Measured in one run (`npm run bench -- --sizes 300x450 --engines onnx`, 2 cores, load
 * 0.5–0.8): on 0.79 s/iteration at 1629 MB peak RSS, off 1.28–1.31 s at 1368–1441 MB. The time
 * is worth more than the memory at the sizes that run whole; tiles (TILE_CPU_MEMORY_ARENA) turn it off.
 */
export const CPU_MEMORY_ARENA = true;

/**
 * onnxruntime's memory pattern: off. On, each session plans one block for all of a run's
 * intermediate tensors and keeps it beside the arena's own buffers. Measured in one session
 * (default 512×384 job with 3 + 9 iterations, 2-core AVX2 machine, each run alone): on
 * 1845 MiB peak RSS at 4.86 s/iteration, off 1430 MiB at 4.76 s; DirectML needs it off anyway.
 */
export const CPU_MEMORY_PATTERN = false;

/**
 * The tile graphs' arena: off, because tiling happens where memory binds and the tiled plans
 * (memory-budget.ts) were calibrated without it.
 */
export const TILE_CPU_MEMORY_ARENA = false;

/**
 * Whether onnxruntime's idle intra-op threads spin instead of sleeping. Off: measured on the
 * shared 2-core machine (load ≈ 2), one 300×450 evaluation took 1.35 s without spinning and
 * 1.51 s with it (0.39 vs 0.43 s at 150×225) — spinning threads steal the core the busy one
 * needs — and sleeping costs a few milliseconds per evaluation on an idle machine.
 */
export const INTRA_OP_SPINNING = false;

/**
 * `preferredLayout` of the WebGPU provider: with 'NHWC' onnxruntime rewrites Conv and MaxPool
 * into its internal channels-last domain (inserting Transposes), with 'NCHW' they run as the
 * graph has them. NCHW is onnxruntime's default and what the graph is written in; which is
 * faster on a real GPU is not measured yet (no GPU machine so far): scripts/gpu-check.sh times
 * both (`bench-onnx.ts --webgpu-layout`).
 */
export const WEBGPU_PREFERRED_LAYOUT: 'NCHW' | 'NHWC' = 'NCHW';

/**
 * The provider parity check (provider-parity-async.ts): size, channels per block (×1, ×2) of
 * its generated two-block network, and how far a GPU provider may drift from the CPU on it.
 * The tolerances are the parity tests' (test/engine-onnx/stage-fixture.ts: losses 1e-3
 * relative, gradients 1e-4 of the largest element) loosened tenfold for the gradient: GPU
 * convolutions sum in other orders (and may use fused multiply-adds), yet a wrong op moves
 * elements by tens of percent of the largest.
 */
export const PARITY_CHECK = {
  height: 17,
  width: 23,
  channels: 8,
  lossTolerance: 1e-3,
  gradTolerance: 1e-3,
} as const;

/**
 * onnxruntime's graph optimisation level. 'all' adds the CPU's NCHWc layout rewrites, which
 * re-lay every convolution's weights into new initializers. 'extended' saves a little memory
 * but costs time and moves L-BFGS trajectories: measured (issue 11, 2 shared cores, load 1.7–3.5,
 * alternating runs of the 512×384 classic job with 6 iterations a stage) 'all' 25.9 / 25.2 s at
 * 1.68 / 1.68 GB peak RSS, 'extended' 29.2 / 29.1 s at 1.64 / 1.57 GB. Per evaluation both agree
 * with tfjs to ~5e-6 (test/engine-onnx/parity), but 'extended' takes the tfjs-vs-onnx L-BFGS runs
 * (adam-run.test.ts) and the PyTorch parity past their calibrated tolerances; 'all' keeps them.
 */
export const GRAPH_OPTIMIZATION_LEVEL: 'extended' | 'all' = 'all';

/**
 * The tile graphs' level (tiled stages, issue 11). Tiling happens where memory binds, and there
 * the NCHWc copies cost more than they save: the 2048×1536 top stage in 4096 MB (6 windows of
 * 880², 1 iteration, `npm run bench -- --memory`) peaked at 2887 MB with 'extended' and 3559 MB
 * with 'all', over its 3457 MB plan (memory-budget.ts is calibrated on 'extended').
 */
export const TILE_GRAPH_OPTIMIZATION_LEVEL: 'extended' | 'all' = 'extended';

/**
 * glibc's mmap threshold in the ONNX worker process (Linux; worker-client.ts sets
 * MALLOC_MMAP_THRESHOLD_ when it starts the worker, unless the environment already has one).
 * By default glibc raises the threshold to the largest block freed so far (up to 32 MiB), so
 * after a session build's large temporaries, tensors of a few MB come from the heap and what is
 * freed stays with the process; fixed at 128 KiB, every larger block is its own mapping and goes
 * back when freed. Measured (issue 11, 2-core AVX-512 machine): a 512×384 job with 3 + 6
 * iterations, in one process with the threshold in its environment, peaked at 1034 MiB against
 * 1319 (18.2 against 18.5 s); the default 60 + 60 job, with this worker process reading its own
 * weights, at 1239 MiB against 1548 (process tree; 2 m 13 s against 2 m 14 s, same losses).
 */
export const WORKER_MALLOC_MMAP_THRESHOLD_BYTES = 128 * 1024;
