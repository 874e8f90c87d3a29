/**
 * The part of the protocol that Figma's main-code sandbox may load. That sandbox offers only
 * `figma`, `__html__`, `__uiFiles__`, `console`, timers and `fetch` besides ECMAScript's
 * built-ins (@figma/plugin-typings' index.d.ts), so nothing reachable from here may use
 * TextEncoder, TextDecoder or any other Web API; plugin/main/tsconfig.json (no DOM lib)
 * checks that at compile time. Everything else comes from `index.ts`.
 */
export * as LIMITS from './limits.ts';
export { DEFAULT_DAEMON_PORT } from './limits.ts';
export { sniffImageMime, readPngSize } from './image-sniff.ts';
export { clipText } from './clip-text.ts';
