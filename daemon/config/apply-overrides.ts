import { ConfigError } from './config-error.ts';
import { configSchema, type AtelierConfig, type AtelierConfigInput } from './config-schema.ts';
import { formatIssues } from './format-issues.ts';

/**
 * Layers command-line flags or environment variables over the file's settings and validates
 * the result with the same schema, so `--port 99999` fails exactly as `"port": 99999` would.
 * `source` names where the overrides came from in the error sentence.
 */
export function applyOverrides(config: AtelierConfig, overrides: Partial<AtelierConfigInput>, source: string): AtelierConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = configSchema.safeParse({ ...config, ...defined });
  if (!parsed.success) {
    throw new ConfigError('args_invalid', `Bad ${source}: ${formatIssues(parsed.error)}.`);
  }
  return parsed.data;
}
