/** Looks up an element the HTML template must contain; a missing one is a build bug. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`ui.html lacks #${id}`);
  return element as T;
}

const urls = new WeakMap<Uint8Array, string>();

/** An object URL for PNG bytes (cached per byte array, so re-renders do not leak). */
export function pngUrl(bytes: Uint8Array): string {
  let url = urls.get(bytes);
  if (!url) {
    url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    urls.set(bytes, url);
  }
  return url;
}

/** Frees the object URL of bytes no longer shown (live previews arrive every few steps). */
export function releasePng(bytes: Uint8Array | null): void {
  const url = bytes ? urls.get(bytes) : undefined;
  if (!url || !bytes) return;
  URL.revokeObjectURL(url);
  urls.delete(bytes);
}

export function setBackgroundPng(element: HTMLElement, bytes: Uint8Array | null): void {
  element.style.backgroundImage = bytes ? `url("${pngUrl(bytes)}")` : '';
}
