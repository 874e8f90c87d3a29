import { z } from 'zod';
import { bytesSchema } from './bytes.ts';
import { jobOptionsSchema } from '../../client/job-options.ts';
import { storedKeySchema } from '../../client/key-store.ts';
import { LIMITS } from '../../protocol/sandbox.ts';
import { teamServerAddressSchema } from '../../client/team-server.ts';

/** Messages the UI iframe sends to the main (sandbox) code. */

const id = z.string().min(1).max(200);

export const uiToMainSchema = z.discriminatedUnion('type', [
  /** The UI has loaded and wants its initial state. */
  z.object({ type: z.literal('ui-ready') }),
  /** Stylise the current selection with this style layer. */
  z.object({
    type: z.literal('start'),
    styleNodeId: id,
    options: jobOptionsSchema,
    /** The mask layer the window showed (issue 31); null: whole layers. */
    maskNodeId: id.nullable().default(null),
  }),
  /** Remember options without running (so they survive closing the plugin). */
  z.object({ type: z.literal('save-options'), options: jobOptionsSchema }),
  /** Make the (single) selected layer the style. */
  z.object({ type: z.literal('use-selection-as-style') }),
  /** Make the (single) selected layer the mask (issue 31). */
  z.object({ type: z.literal('use-selection-as-mask') }),
  /** Choose a listed mask layer, or none (null): whole layers are stylised again. */
  z.object({ type: z.literal('choose-mask'), maskNodeId: id.nullable() }),
  /** Choose a listed style layer. */
  z.object({ type: z.literal('choose-style'), styleNodeId: id }),
  /** List image layers again: the current page's, or (the designer asked) every page's. */
  z.object({ type: z.literal('refresh-styles'), allPages: z.boolean() }),
  /** The daemon finished a job: PNG bytes of the result. */
  z.object({ type: z.literal('job-result'), jobId: id, png: bytesSchema }),
  /** The daemon (or the connection) failed a job; the batch moves on. */
  z.object({ type: z.literal('job-failed'), jobId: id, code: z.string().max(64), message: z.string().max(2000) }),
  /**
   * A result that waited in Atelier (issue 32), with the placement data the job was sent with:
   * inserted above its source; with `orphan: 'insert'`, at its old place when the source is gone.
   */
  z.object({ type: z.literal('place-result'), jobId: id, data: z.string().max(LIMITS.MAX_PLACEMENT_DATA_CHARS), png: bytesSchema, orphan: z.enum(['ask', 'insert']) }),
  /** A waiting result was dropped (or did not finish): its source's "Insert styled result" button goes. */
  z.object({ type: z.literal('dismiss-result'), data: z.string().max(LIMITS.MAX_PLACEMENT_DATA_CHARS) }),
  /** Stop the batch: the running job's result is discarded and nothing further is inserted. */
  z.object({ type: z.literal('cancel') }),
  /**
   * Persist (or forget, with null) a pairing key in clientStorage, filed under the server it was
   * made with (`server`: a team server's address; null: the app on this computer).
   */
  z.object({ type: z.literal('store-key'), server: teamServerAddressSchema.nullable(), key: storedKeySchema.nullable() }),
  /** The designer's Team server setting (null: the app on this computer); main answers `server`. */
  z.object({ type: z.literal('set-team-server'), address: teamServerAddressSchema.nullable() }),
  /** Select and zoom to a layer (a result). */
  z.object({ type: z.literal('focus-node'), nodeId: id }),
  z.object({ type: z.literal('close') }),
]);
export type UiToMain = z.infer<typeof uiToMainSchema>;
