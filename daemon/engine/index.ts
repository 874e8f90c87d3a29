/**
 * The style engine's whole public surface. Nothing outside `daemon/engine/` imports a file
 * inside it except through here.
 */
export type {
  RgbImage,
  MaskImage,
  StyleOptions,
  StyleInput,
  StylizeRequest,
  StylizeEvent,
  StartEvent,
  ProgressEvent,
  ResultEvent,
  Losses,
  StageSpec,
  StageMemorySummary,
  EngineInfo,
  InputConventionName,
  OptimizerName,
  InitName,
} from './types.ts';
export { EngineError, type EngineErrorCode } from './engine-error.ts';
export { REGION_LIMITS } from './limits.ts';
export { createEngineAsync, ENGINE_NAMES, type Engine, type EngineName, type EngineOptions } from './engine.ts';
export { BACKEND_NAMES, type BackendName } from './backend.ts';
export { diagnoseEnginesAsync, type EngineDiagnosis, type ProviderDiagnosis, type BackendDiagnosis } from './diagnose-engines-async.ts';
export { EXECUTION_PROVIDER_NAMES, type ExecutionProviderChoice } from './onnx/provider-names.ts';
export { DEFAULT_PRESET, MAX_OUTPUT_SIDE, PRESETS, PRESET_NAMES, resolveOptions, stagePlan } from './presets.ts';
export { defaultMemoryBudgetMB, MEMORY_LIMITS, planStageMemory, summarizeStageMemory, type StageMemoryPlan } from './memory-budget.ts';
export { estimateJob, TIME_RATES, type JobEstimate, type StageEstimate } from './time-estimate.ts';
export { writeRandomWeightsAsync, type RandomWeightsOptions } from './weights/write-random-weights.ts';
export { writeWeightsManifestAsync, type NamedWeight } from './weights/write-weights-manifest.ts';
export { VGG19_CONV_LAYERS } from './vgg-layers.ts';
export type { LossBackend, StageLossFunction, StageInputs } from './loss-function.ts';
export { loadVggWeightsAsync, type VggWeights } from './weights/load-weights.ts';
export { MANIFEST_FILE } from './weights/manifest-schema.ts';
export type { StyleCacheView } from './engine.ts';
export { createFeatureExtractorAsync, type FeatureExtractor, type FeatureSet } from './feature-extractor.ts';
export { createRandom, type Random } from './random.ts';
export { jobPeakRssBytes } from './peak-rss.ts';
