/**
 * Text Figma's main-code sandbox refuses before running anything, although V8 would run it.
 * The sandbox is SES-based and scans the source text, string literals and comments included:
 * `import` followed by `(` reads as a dynamic import ("SyntaxError: possible import expression
 * rejected", figma/plugin-typings#36; adamforrester/prism3 apps/plugin/lint-sandbox-reject.ts
 * records a shipped plugin bricked by the words "Figma import (" in a string), and the HTML
 * comment markers `<!--` / `-->` are refused because parsers may read them as comments (SES,
 * endojs/endo: rejectHtmlComments). The build refuses such a bundle (build.ts).
 */
const SANDBOX_REJECTS: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  // SES's importParser: `import` then whitespace, then `(` or the start of a comment.
  { pattern: /\bimport\s*(?:\(|\/[/*])/, what: '“import(” (read as a dynamic import)' },
  { pattern: /<!--/, what: '“<!--” (an HTML comment marker)' },
  { pattern: /-->/, what: '“-->” (an HTML comment marker)' },
];

/** Each refused sequence in `code`, with the line it is on; empty when Figma will load it. */
export function sandboxRejectsIn(code: string): string[] {
  const found: string[] = [];
  for (const { pattern, what } of SANDBOX_REJECTS) {
    const match = pattern.exec(code);
    if (match) found.push(`${what} on line ${code.slice(0, match.index).split('\n').length}`);
  }
  return found;
}
