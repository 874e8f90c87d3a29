import { z } from 'zod';

/** The TensorFlow.js weights manifest (`weights_manifest.json`), as tfjs' converter writes it. */
export const weightSpecSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z
    .object({
      dtype: z.enum(['uint8', 'uint16', 'float16']),
      scale: z.number().optional(),
      min: z.number().optional(),
      original_dtype: z.string().optional(),
    })
    .optional(),
});

export const weightsManifestSchema = z
  .array(
    z.object({
      paths: z.array(z.string().min(1).regex(/^[^/\\]+$/, 'shard paths must be plain file names')),
      weights: z.array(weightSpecSchema),
    }),
  )
  .min(1);

export type WeightSpec = z.infer<typeof weightSpecSchema>;
export type WeightsManifest = z.infer<typeof weightsManifestSchema>;

/**
 * Atelier's sidecar beside the manifest: the manifest itself has no room for metadata, and a
 * weight set must say which input convention it was trained with.
 */
export const weightsInfoSchema = z.object({
  convention: z.enum(['caffe', 'torchvision']),
  source: z.string().optional(),
});
export type WeightsInfo = z.infer<typeof weightsInfoSchema>;

export const MANIFEST_FILE = 'weights_manifest.json';
export const INFO_FILE = 'atelier-weights.json';
