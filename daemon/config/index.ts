/** Public surface of the daemon's configuration: where it lives, its schema, how it is read. */
export { ConfigError, type ConfigErrorCode } from './config-error.ts';
export {
  configSchema,
  CONFIG_FILE_NAME,
  CONFIG_LIMITS,
  DEFAULT_ALLOWED_ORIGINS,
  DEFAULT_PREVIEW_EVERY,
  DEFAULT_QUEUE_LENGTH,
  type AtelierConfig,
  type AtelierConfigInput,
} from './config-schema.ts';
export { loadConfigAsync, parseConfigText, configFilePath, type LoadedConfig } from './load-config-async.ts';
export { applyOverrides } from './apply-overrides.ts';
export { resolveUserDirs, APP_DIR_NAME, type UserDirs } from './user-dirs.ts';
