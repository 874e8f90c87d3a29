import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from './config-error.ts';
import { CONFIG_FILE_NAME, configSchema, type AtelierConfig } from './config-schema.ts';
import { formatIssues } from './format-issues.ts';

export interface LoadedConfig {
  config: AtelierConfig;
  /** The file read (or written with the defaults on first run). */
  file: string;
  /** True when the file did not exist and was created with the defaults. */
  created: boolean;
}

/** `<configDir>/config.json`. */
export function configFilePath(configDir: string): string {
  return join(configDir, CONFIG_FILE_NAME);
}

/**
 * Reads and validates the configuration file. A missing file is the first run: it is written
 * with every default so the designer has something to edit. A file that is there but wrong is
 * an error naming the file and each bad setting; the daemon never guesses past it.
 */
export async function loadConfigAsync(configDir: string): Promise<LoadedConfig> {
  const file = configFilePath(configDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      const config = configSchema.parse({});
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' }).catch((e: unknown) => {
        // Another process created it in the meantime: theirs is as good as ours.
        if (!isErrno(e, 'EEXIST')) throw e;
      });
      return { config, file, created: true };
    }
    throw new ConfigError(
      'config_unreadable',
      `Cannot read the settings file ${file} (${errorText(error)}). Check its permissions, or delete it to start from the defaults.`,
      file,
    );
  }
  return { config: parseConfigText(text, file), file, created: false };
}

/** Validates the text of a configuration file; `file` only names it in errors. */
export function parseConfigText(text: string, file: string): AtelierConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      'config_not_json',
      `The settings file ${file} is not valid JSON (${errorText(error)}). Fix it, or delete it to start from the defaults.`,
      file,
    );
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      'config_invalid',
      `The settings file ${file} has bad values: ${formatIssues(parsed.error)}. Fix them, or delete the file to start from the defaults.`,
      file,
    );
  }
  return parsed.data;
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === code;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
