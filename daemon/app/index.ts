/** Public surface of the daemon application: `daemon/main.ts` runs it. */
export { runDaemonAsync, EXIT, type DaemonIo } from './run-daemon-async.ts';
export { parseCliArgs, USAGE, type CliArgs } from './parse-args.ts';
export { acquireSingleInstanceAsync, instanceEndpoint, type InstanceInfo, type InstanceLock } from './single-instance.ts';
export { loginEntryPath, loginEntryText, setStartAtLoginAsync, isStartAtLoginEnabledAsync, type LoginCommand } from './start-at-login.ts';
export { hasDesktop } from './has-desktop.ts';
export { StartError, type StartErrorCode } from './start-error.ts';
