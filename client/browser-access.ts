/**
 * What the browser itself lets a window on an https editor (www.figma.com, www.photopea.com)
 * reach on this computer, decided from the user agent: the one thing a page can know before
 * it tries. (Chrome's Local Network Access permission cannot be read reliably from inside a
 * sandboxed plugin frame: navigator.permissions answers "denied" for a frame its parent did
 * not delegate to, MCPJam/inspector#1147; so the windows name that permission in their
 * "can't reach" panel for every browser instead.)
 */

/**
 * True on WebKit: Safari on macOS (iPadOS Safari sends the same user agent) and every browser
 * on iOS, where Apple requires WebKit (CriOS, FxiOS, EdgiOS say AppleWebKit without Chrome/).
 * WebKit blocks `ws://localhost` and `http://localhost` frames from an https page as mixed
 * content (WebKit bug 171934; WebKit PR #49713 still blocks it), so no permission helps:
 * the window says "use another browser" instead of "can't reach".
 * Chromium browsers (Chrome, Edge, Opera, Android WebView, the Figma desktop app on Electron,
 * headless Chromium) all carry `Chrome/` or `Chromium/`; Firefox carries no AppleWebKit.
 */
export function blocksLocalhostFromHttps(userAgent: string): boolean {
  return userAgent.includes('AppleWebKit/') && !/(Chrome|Chromium)\//.test(userAgent);
}
