import { z } from 'zod';
import { bytesSchema } from './bytes.ts';
import { jobOptionsSchema } from '../../client/job-options.ts';
import { storedKeySchema } from '../../client/key-store.ts';
import { placementSchema } from '../../protocol/client-messages.ts';
import { teamServerAddressSchema } from '../../client/team-server.ts';

/** Messages the main (sandbox) code sends to the UI iframe. */

const id = z.string().min(1).max(200);

export const selectionTargetSchema = z.object({
  id,
  name: z.string(),
  type: z.string(),
  width: z.number(),
  height: z.number(),
});
export type SelectionTarget = z.infer<typeof selectionTargetSchema>;

/** What will be stylised, and what was left out and why. */
export const selectionSummarySchema = z.object({
  targets: z.array(selectionTargetSchema),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  thumbnail: bytesSchema.nullable(),
  /** Targets the chosen mask does not reach (issue 31): they would not be sent. */
  maskMisses: z.array(z.string()).optional(),
});
export type SelectionSummary = z.infer<typeof selectionSummarySchema>;

export const styleLayerSchema = z.object({
  id,
  name: z.string(),
  pageName: z.string(),
  width: z.number(),
  height: z.number(),
  thumbnail: bytesSchema.nullable(),
});
export type StyleLayer = z.infer<typeof styleLayerSchema>;

const pngImageSchema = z.object({ png: bytesSchema, width: z.number().int().positive(), height: z.number().int().positive() });

const point = z.tuple([z.number().finite(), z.number().finite()]);

/**
 * A mask layer's export and where it goes on the content image (issue 31, main/mask-export.ts),
 * in the content image's pixels: the window stretches `png` onto `box`, keeps only what lies
 * inside every outline of `clips` (frames that cut the shape), and takes the alpha.
 */
export const maskPlacementSchema = z.object({
  png: bytesSchema,
  box: z.object({ x: z.number().finite(), y: z.number().finite(), width: z.number().finite().positive(), height: z.number().finite().positive() }),
  clips: z.array(z.array(point).length(4)).max(64),
});
export type MaskPlacement = z.infer<typeof maskPlacementSchema>;

export const mainToUiSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('init'),
    command: z.string(),
    options: jobOptionsSchema,
    style: styleLayerSchema.nullable(),
    /** The stored pairing key for the server dialed (`teamServer`'s, or the local app's), or null (not paired yet). */
    key: storedKeySchema.nullable(),
    /** What the window dials: the team server's address, or the local app's (ws://localhost:7878). */
    daemonUrl: z.string(),
    /** The Team server setting in force (settings-store.ts, serverChoice); null: the app on this computer. */
    teamServer: teamServerAddressSchema.nullable(),
    /** Start as soon as the daemon is ready (the relaunch button). */
    autoStart: z.boolean(),
    /** This file's id in the daemon's job list (main/placement.ts); '' before the file's first job. */
    document: z.string().max(200),
    /** This file's chosen mask layer (issue 31), or null: whole layers are stylised. */
    mask: styleLayerSchema.nullable().optional(),
  }),
  /** The Team server setting changed: dial `daemonUrl` with that server's own key (or none). */
  z.object({ type: z.literal('server'), teamServer: teamServerAddressSchema.nullable(), daemonUrl: z.string(), key: storedKeySchema.nullable() }),
  z.object({ type: z.literal('selection'), selection: selectionSummarySchema }),
  z.object({
    type: z.literal('style-layers'),
    layers: z.array(styleLayerSchema),
    /** Other pages were searched too; else only the current page (main/style-layers.ts). */
    allPages: z.boolean(),
    /** How many other pages the file has, for the UI's "show other pages". */
    otherPages: z.number().int().min(0),
  }),
  z.object({ type: z.literal('style-chosen'), style: styleLayerSchema }),
  /** Shapes over the layers to stylise, offered as masks (main/mask-layers.ts). */
  z.object({ type: z.literal('mask-layers'), layers: z.array(styleLayerSchema) }),
  /** The mask now in force (null: none). */
  z.object({ type: z.literal('mask-chosen'), mask: styleLayerSchema.nullable() }),
  /** One frame of a batch, ready to send to the daemon. */
  z.object({
    type: z.literal('job'),
    jobId: id,
    index: z.number().int().min(0),
    total: z.number().int().positive(),
    targetName: z.string(),
    content: pngImageSchema,
    style: pngImageSchema,
    options: jobOptionsSchema,
    /** Set when the requested size was reduced (Figma's 4096 px limit): a sentence to show. */
    capNote: z.string().nullable(),
    /** Where its result goes, kept by the daemon so that a later panel can insert it (issue 32). */
    placement: placementSchema,
    /** The part of the content to stylise (issue 31); absent: all of it. */
    maskPlacement: maskPlacementSchema.optional(),
  }),
  z.object({ type: z.literal('job-inserted'), jobId: id, nodeId: id, name: z.string() }),
  z.object({
    type: z.literal('batch-finished'),
    inserted: z.array(z.object({ nodeId: id, name: z.string() })),
    failed: z.array(z.object({ name: z.string(), message: z.string() })),
    cancelled: z.boolean(),
  }),
  /** A result that waited in Atelier is in the file now: the UI tells the daemon (`placed`). */
  z.object({ type: z.literal('result-placed'), jobId: id, nodeId: id, name: z.string() }),
  /** A waiting result's source layer was deleted: the UI offers it at its old place, or to drop it. */
  z.object({ type: z.literal('result-orphaned'), jobId: id, name: z.string() }),
  /** A waiting result could not be placed (its record is unreadable, Figma refused it). */
  z.object({ type: z.literal('result-not-placed'), jobId: id, message: z.string() }),
  /** Something the designer must fix before a run (empty selection, missing style layer). */
  z.object({ type: z.literal('problem'), code: z.string(), message: z.string() }),
]);
export type MainToUi = z.infer<typeof mainToUiSchema>;
