/**
 * Runs a built main bundle the way Figma does: in a context that holds only what Figma's
 * plugin sandbox offers. @figma/plugin-typings' index.d.ts declares exactly these globals —
 * `figma`, `__html__`, `__uiFiles__`, `console`, `setTimeout`/`clearTimeout`/`setInterval`/
 * `clearInterval`, `fetch` — and "How Plugins Run" (developers.figma.com/docs/plugins/
 * how-plugins-run) says the sandbox "does not expose browser APIs". A `node:vm` context adds
 * only ECMAScript's built-ins, so TextEncoder, structuredClone, queueMicrotask, Buffer,
 * process, setImmediate, document and WebSocket are all absent, as in Figma.
 */
import vm from 'node:vm';
import type { HostApi } from '../../../plugin/main/figma-host.ts';

export interface SandboxRun {
  /** The error the bundle threw while loading, if any (a ReferenceError for a missing global). */
  loadError: unknown;
  /** Names the bundle read from the global object that the sandbox does not have. */
  readonly globalsNames: readonly string[];
}

export const SANDBOX_GLOBALS = ['figma', '__html__', '__uiFiles__', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'fetch'] as const;

/**
 * Figma's fetch only reaches what `networkAccess.allowedDomains` names; Atelier's manifest
 * names only the daemon's ws:// URL, which fetch cannot speak, so every fetch is refused.
 */
function refusingFetch(url: string): Promise<never> {
  return Promise.reject(new TypeError(`fetch ${url}: refused by the manifest's networkAccess (Content Security Policy)`));
}

/**
 * Figma's sandbox scans the source text before running it and refuses the whole plugin on a
 * match, in strings and comments too: `import` + `(` ("SyntaxError: possible import expression
 * rejected around line 1", figma/plugin-typings#36; the shipped incident in adamforrester/prism3
 * apps/plugin/lint-sandbox-reject.ts) and the HTML comment markers (SES rejectHtmlComments,
 * endojs/endo). Written here from those sources, not taken from plugin/sandbox-rejects.ts: the
 * fake must not trust the code it tests.
 */
function figmaSourceScan(code: string): SyntaxError | null {
  const line = (index: number) => code.slice(0, index).split('\n').length;
  const importAt = code.search(/\bimport\s*(?:\(|\/[/*])/);
  if (importAt >= 0) return new SyntaxError(`possible import expression rejected around line ${line(importAt)}`);
  const commentAt = code.search(/<!--|-->/);
  if (commentAt >= 0) return new SyntaxError(`possible html comment syntax rejected around line ${line(commentAt)}`);
  return null;
}

export function runInFigmaSandbox(code: string, figma: HostApi, html: string): SandboxRun {
  const rejected = figmaSourceScan(code);
  if (rejected) return { loadError: rejected, globalsNames: [] };
  const context = vm.createContext({
    figma,
    __html__: html,
    __uiFiles__: {},
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    fetch: refusingFetch,
  });
  let loadError: unknown = null;
  try {
    vm.runInContext(code, context, { filename: 'code.js' });
  } catch (error) {
    loadError = error;
  }
  return { loadError, globalsNames: Object.keys(context) };
}
