/**
 * What Figma does for `figma.showUI(html, { themeColors: true })`: it defines the
 * `--figma-color-*` variables in the plugin's document and puts `figma-light` or `figma-dark`
 * on its <html> (developers.figma.com/docs/plugins/css-variables). The values are Figma's
 * published tokens for the variables the Atelier UI uses, light and dark.
 */
export type FigmaTheme = 'light' | 'dark';

const TOKENS: Record<FigmaTheme, Record<string, string>> = {
  light: {
    bg: '#ffffff', 'bg-brand': '#0d99ff', 'bg-brand-hover': '#007be5', 'bg-brand-tertiary': '#e5f4ff',
    'bg-danger-tertiary': '#ffe2e0', 'bg-hover': '#f5f5f5', 'bg-secondary': '#f5f5f5', 'bg-tertiary': '#e6e6e6',
    'bg-warning-tertiary': '#fff1c2', border: '#e6e6e6', 'border-selected': '#0d99ff', 'icon-success': '#14ae5c',
    'icon-tertiary': '#0000004d', 'icon-warning': '#ffcd29', text: '#000000e5', 'text-brand': '#007be5',
    'text-danger': '#dc3412', 'text-onbrand': '#ffffff', 'text-secondary': '#00000080',
  },
  dark: {
    bg: '#2c2c2c', 'bg-brand': '#0c8ce9', 'bg-brand-hover': '#0a6dc2', 'bg-brand-tertiary': '#394360',
    'bg-danger-tertiary': '#60332a', 'bg-hover': '#383838', 'bg-secondary': '#383838', 'bg-tertiary': '#444444',
    'bg-warning-tertiary': '#5c4100', border: '#444444', 'border-selected': '#0c8ce9', 'icon-success': '#198f51',
    'icon-tertiary': '#ffffff66', 'icon-warning': '#f3c11b', text: '#ffffff', 'text-brand': '#7cc4f8',
    'text-danger': '#fca397', 'text-onbrand': '#ffffff', 'text-secondary': '#ffffffb2',
  },
};

/** The plugin HTML as Figma would load it with themeColors on. */
export function withThemeColors(html: string, theme: FigmaTheme): string {
  const vars = Object.entries(TOKENS[theme]).map(([name, value]) => `--figma-color-${name}: ${value};`).join(' ');
  const style = `<style id="figma-style">:root { ${vars} }</style>`;
  return html.replace(/<html([^>]*)>/, `<html$1 class="figma-${theme}">`).replace('<head>', `<head>${style}`);
}
