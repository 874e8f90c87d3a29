import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { REGION_LIMITS } from '../../daemon/engine/limits.ts';
import { parseMaskSpec, type MaskSpec } from './masked-pairs.ts';

export const QUALITY_USAGE = `Usage: npm run quality -- [options] [-- <atelier stylize flags>]

Stylises content × style pairs and prints, per pair, the SWD ratio (lower: closer to the style),
the edge correlation (higher: more structure kept), wall time and peak RSS; writes the results,
a table and a contact sheet into --out.

  --set dev                 the development set (default): tubingen, chelsea, coffee, astronaut ×
                            starry_night, the_scream, shipwreck
  --pairs C:S[:R],...       content:style names (looked up in --images) or paths; with R, measure
                            the result image R instead of stylising (e.g. another tool's output)
  --variant LABEL=FLAGS     a set of stylize flags to run, e.g. "scream=--preset classic"; repeat
                            for side-by-side columns (default: one, "default", with the flags after --)
  --given LABEL=DIR         also measure an earlier run's results, DIR/<content>_<style>.png (e.g.
                            quality-out/default), as a column; its wall time and RSS come from
                            DIR/../results.json where that run wrote one
  --out DIR                 where results go (default quality-out/)
  --weights DIR             VGG-19 weights (default $ATELIER_WEIGHTS, else ../shared/vgg19-keras-uint8)
  --images DIR              holds content/ and style/ (default ../shared/images)
  --max-side N              stylise every pair at N px on the longest side (stylize's --max-side N
                            before each variant's flags) and measure there too: 256 is Draft, 1024 Best
  --measure-side N          measurement size, longest side (default --max-side, else 512)
  --mask SPEC               also run every variant masked (stylize's --mask): SPEC is left:P (the
                            left P % of the frame) or a mask file; prints the SWD ratio inside the
                            mask (past the feather) for the masked and the unmasked job, and how
                            many pixels past the feather differ from the source (must be 0)
  --feather PX              the masked jobs' --feather (default: stylize's)
  -h, --help                this text`;

export const DEV_CONTENTS = ['tubingen', 'chelsea', 'coffee', 'astronaut'];
export const DEV_STYLES = ['starry_night', 'the_scream', 'shipwreck'];

export interface QualityPair {
  content: string;
  style: string;
  /** A finished result to measure instead of stylising. */
  result?: string;
}

export interface QualityVariant {
  label: string;
  flags: string[];
}

/** Results of an earlier run measured as a column (its `<variant>/` folder of `<pair>.png`). */
export interface QualityGiven {
  label: string;
  dir: string;
}

export interface QualityArgs {
  pairs: QualityPair[];
  variants: QualityVariant[];
  given: QualityGiven[];
  out: string;
  weights: string;
  measureSide: number;
  /** With --mask: every run variant also runs masked (masked-pairs.ts). */
  mask?: MaskSpec;
  /** The masked jobs' --feather; undefined: stylize's default. */
  featherPx?: number;
}

export class QualityUsageError extends Error {}

const labelSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/i, 'variant labels are one word (letters, digits, . _ -)');

/** A bare name is looked up as <dir>/<name>.<any extension>; anything else is a path. */
function findImage(name: string, dir: string): string {
  if (existsSync(name)) return resolve(name);
  const hit = existsSync(dir) ? readdirSync(dir).find((f) => basename(f, extname(f)) === name) : undefined;
  if (!hit) throw new QualityUsageError(`No image "${name}" (neither a file nor a name in ${dir}).`);
  return join(dir, hit);
}

export function parseQualityArgs(argv: string[], env: NodeJS.ProcessEnv, repoRoot: string): QualityArgs | 'help' {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const passThrough = dash < 0 ? [] : argv.slice(dash + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      options: {
        set: { type: 'string' },
        pairs: { type: 'string' },
        variant: { type: 'string', multiple: true },
        given: { type: 'string', multiple: true },
        out: { type: 'string' },
        weights: { type: 'string' },
        images: { type: 'string' },
        'max-side': { type: 'string' },
        'measure-side': { type: 'string' },
        mask: { type: 'string' },
        feather: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new QualityUsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const images = resolve(values.images ?? join(repoRoot, '../shared/images'));
  const contentDir = join(images, 'content');
  const styleDir = join(images, 'style');
  if (values.set && values.set !== 'dev') throw new QualityUsageError(`--set: the only set is "dev".`);
  if (values.set && values.pairs) throw new QualityUsageError('Use either --set or --pairs, not both.');
  const specs = values.pairs
    ? values.pairs.split(',').map((p) => p.split(':'))
    : DEV_CONTENTS.flatMap((c) => DEV_STYLES.map((s) => [c, s]));
  const pairs = specs.map((spec) => {
    if (spec.length < 2 || spec.length > 3 || spec.some((s) => s === '')) {
      throw new QualityUsageError(`--pairs: "${spec.join(':')}" is not CONTENT:STYLE or CONTENT:STYLE:RESULT.`);
    }
    const [content, style, result] = spec;
    return { content: findImage(content, contentDir), style: findImage(style, styleDir), ...(result ? { result: findImage(result, '.') } : {}) };
  });
  const maxSide = parseSide('--max-side', values['max-side']);
  // First, so that a variant's own --max-side still wins (stylize takes the last).
  const sized = maxSide === undefined ? [] : ['--max-side', String(maxSide)];
  const variants = (values.variant ?? []).map((v) => {
    const eq = v.indexOf('=');
    const label = labelSchema.safeParse(eq < 0 ? v : v.slice(0, eq));
    if (!label.success) throw new QualityUsageError(`--variant "${v}": ${label.error.issues[0].message}.`);
    const flags = eq < 0 ? [] : v.slice(eq + 1).split(/\s+/).filter(Boolean);
    return { label: label.data, flags: [...sized, ...flags, ...passThrough] };
  });
  const given = (values.given ?? []).map((g) => {
    const eq = g.indexOf('=');
    const label = labelSchema.safeParse(g.slice(0, Math.max(0, eq)));
    if (eq < 0 || !label.success) throw new QualityUsageError(`--given "${g}": expected LABEL=DIR, LABEL one word (letters, digits, . _ -).`);
    const dir = resolve(g.slice(eq + 1));
    if (!existsSync(dir)) throw new QualityUsageError(`--given "${g}": no folder ${dir}.`);
    return { label: label.data, dir };
  });
  const labels = [...variants, ...given].map((v) => v.label);
  if (new Set(labels).size !== labels.length) throw new QualityUsageError('--variant and --given labels must differ.');
  const measureSide = parseSide('--measure-side', values['measure-side']) ?? maxSide ?? 512;
  const mask = values.mask === undefined ? undefined : parseMaskSpec(values.mask);
  if (typeof mask === 'string') throw new QualityUsageError(mask);
  if (mask?.kind === 'file' && !existsSync(mask.path)) throw new QualityUsageError(`--mask: no file ${mask.path}.`);
  if (values.feather !== undefined && !mask) throw new QualityUsageError('--feather applies to masked jobs: give --mask too.');
  const feather = values.feather === undefined ? undefined : z.coerce.number().int().min(0).max(REGION_LIMITS.maxFeatherPx).safeParse(values.feather);
  if (feather && !feather.success) throw new QualityUsageError(`--feather: ${feather.error.issues[0].message}`);
  if (mask && specs.some((spec) => spec.length === 3)) throw new QualityUsageError('--mask runs the jobs: give pairs without a result.');
  return {
    pairs,
    variants: variants.length > 0 || given.length > 0 ? variants : [{ label: 'default', flags: [...sized, ...passThrough] }],
    given,
    out: resolve(values.out ?? join(repoRoot, 'quality-out')),
    weights: resolve(values.weights ?? env.ATELIER_WEIGHTS ?? join(repoRoot, '../shared/vgg19-keras-uint8')),
    measureSide,
    ...(mask ? { mask: mask.kind === 'file' ? { kind: 'file' as const, path: resolve(mask.path) } : mask } : {}),
    ...(feather ? { featherPx: feather.data } : {}),
  };
}

/** A side in px for --max-side or --measure-side; undefined where the flag is absent. */
function parseSide(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const side = z.coerce.number().int().min(64).max(2048).safeParse(value);
  if (!side.success) throw new QualityUsageError(`${flag}: ${side.error.issues[0].message}`);
  return side.data;
}

/** `tubingen_the_scream`: how a pair's result files are named. */
export function pairName(pair: QualityPair): string {
  const stem = (p: string): string => basename(p, extname(p));
  return `${stem(pair.content)}_${stem(pair.style)}`;
}
