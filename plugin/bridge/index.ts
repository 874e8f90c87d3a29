export { uiToMainSchema, type UiToMain } from './ui-to-main.ts';
export {
  mainToUiSchema,
  selectionSummarySchema,
  styleLayerSchema,
  selectionTargetSchema,
  type MainToUi,
  type SelectionSummary,
  type SelectionTarget,
  type StyleLayer,
} from './main-to-ui.ts';
export { jobOptionsSchema, DEFAULT_JOB_OPTIONS, type JobOptions } from './job-options.ts';
export { bytesSchema } from './bytes.ts';
