export { uiToMainSchema, type UiToMain } from './ui-to-main.ts';
export {
  mainToUiSchema,
  maskPlacementSchema,
  selectionSummarySchema,
  styleLayerSchema,
  selectionTargetSchema,
  type MainToUi,
  type MaskPlacement,
  type SelectionSummary,
  type SelectionTarget,
  type StyleLayer,
} from './main-to-ui.ts';
export { jobOptionsSchema, DEFAULT_JOB_OPTIONS, type JobOptions } from '../../client/job-options.ts';
export { bytesSchema } from './bytes.ts';
export { figmaPlacementSchema, readPlacement, type FigmaPlacement } from './placement-record.ts';
export type { Placement } from '../../protocol/client-messages.ts';
