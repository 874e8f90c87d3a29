/**
 * Splits a desktop entry's Exec value into its arguments as the Desktop Entry Specification
 * ("The Exec key") defines them, refusing what it forbids: first the value is a string
 * (\s \n \t \r \\ escapes), then arguments are separated by spaces, an argument with reserved
 * characters must be double-quoted, and inside quotes " ` $ \ must take a backslash.
 */
const RESERVED = new Set([...'\t\n\'"\\><~|&;$*?#()`']);
const STRING_ESCAPES: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };

export function parseDesktopExec(value: string): string[] {
  const text = value.replace(/\\(.)/g, (match, c: string) => {
    const replaced = STRING_ESCAPES[c];
    if (replaced === undefined) throw new Error(`unknown string escape ${match}`);
    return replaced;
  });
  const args: string[] = [];
  let current: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ') {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else if (c === '"') {
      let quoted = '';
      for (i++; ; i++) {
        if (i >= text.length) throw new Error('an unclosed quote');
        const q = text[i]!;
        if (q === '"') break;
        if (q === '\\') {
          const next = text[++i];
          if (next === undefined || !'"`$\\'.includes(next)) throw new Error(`\\${next ?? ''} inside quotes`);
          quoted += next;
        } else if (q === '`' || q === '$') {
          throw new Error(`an unescaped ${q} inside quotes`);
        } else quoted += q;
      }
      current = (current ?? '') + quoted;
    } else if (RESERVED.has(c)) {
      throw new Error(`the reserved character ${JSON.stringify(c)} outside quotes`);
    } else current = (current ?? '') + c;
  }
  if (current !== undefined) args.push(current);
  return args;
}
