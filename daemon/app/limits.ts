/** Bounds of the daemon application, in one place. */

/**
 * The log file (`<cache>/logs/daemon.log`) is rotated past this size to `daemon.log.1`
 * (the one before is dropped): at most twice this on disk, whatever a client does.
 */
export const MAX_LOG_FILE_BYTES = 8 * 1024 * 1024;
