/**
 * Every default and limit of the ONNX Runtime engine, in one place.
 */

/** ONNX opset of the generated graphs: 17 has every op used (ReduceSumSquare with axes as an attribute, Pad with pads as an input). */
export const OPSET = 17;
/** IR version 8 pairs with opset 17 and loads on every onnxruntime since 1.13. */
export const IR_VERSION = 8;

/**
 * Sessions kept per backend, least recently used dropped first. A two-stage job needs a loss
 * and a target session per stage size; a designer iterating on one frame reuses them, and each
 * session holds its own copy of the weights (~45–90 MB for the reference layers), so keep few.
 */
export const SESSION_CACHE_SIZE = 4;

/**
 * Whether onnxruntime's idle intra-op threads spin instead of sleeping. Off: measured on the
 * shared 2-core machine (load ≈ 2), one 300×450 evaluation took 1.35 s without spinning and
 * 1.51 s with it (0.39 vs 0.43 s at 150×225) — spinning threads steal the core the busy one
 * needs — and sleeping costs a few milliseconds per evaluation on an idle machine.
 */
export const INTRA_OP_SPINNING = false;
