/**
 * Figma's rules for a plugin's manifest.json, as Figma documents and enforces them at
 * "Import plugin from manifest…". A manifest that passes here is one Figma accepts; each rule
 * cites where it comes from.
 *
 * Sources:
 *  [M] https://developers.figma.com/docs/plugins/manifest (field list and types)
 *  [N] https://developers.figma.com/docs/plugins/making-network-requests and
 *      .../updates/2023/05/10/version-1-update-66 (networkAccess, the "none" keyword)
 *  [V] Figma's import validator, quoted in issue 9: a domain is
 *      `((?:[*][.])?(?:(?:[-a-z\d])+[.])+[a-z]{2,}|localhost)(?:[:](\d+))?` after the scheme,
 *      else "Invalid value for allowedDomains … must be a valid URL". An IP address such as
 *      127.0.0.1 has no letter top-level domain and is refused.
 */
import { z } from 'zod';

/** [V] the host part; `*.` may prefix a domain; `localhost` is the one single-label name. */
const HOST = String.raw`((?:[*][.])?(?:(?:[-a-z\d])+[.])+[a-z]{2,}|localhost)(?:[:](\d+))?`;
/** [N] entries may carry a scheme (https://, wss://…) and a path ("example.com/api/"). */
export const ALLOWED_DOMAIN = new RegExp(String.raw`^(?:[a-z][a-z\d+.-]*:\/\/)?${HOST}(?:\/\S*)?$`);

const allowedDomain = z.string().refine((d) => d === 'none' || d === '*' || ALLOWED_DOMAIN.test(d), {
  message: 'Invalid value for allowedDomains: must be a valid URL (a host with a letter top-level domain, or localhost)',
});

/** [M] a menu entry is a command, a separator, or a submenu. */
type MenuItem = { name: string; command: string } | { separator: true } | { name: string; menu: MenuItem[] };
const menuItem: z.ZodType<MenuItem> = z.lazy(() =>
  z.union([
    z.object({ name: z.string().min(1), command: z.string().min(1) }).strict(),
    z.object({ separator: z.literal(true) }).strict(),
    z.object({ name: z.string().min(1), menu: z.array(menuItem) }).strict(),
  ]),
);

export const figmaManifestSchema = z
  .object({
    // [M] name, id, api and main are required; id is assigned by Figma.
    name: z.string().min(1),
    id: z.string().min(1),
    api: z.string().regex(/^\d+\.\d+\.\d+$/),
    editorType: z.array(z.enum(['figma', 'figjam', 'dev', 'slides', 'buzz'])).min(1).optional(),
    main: z.string().min(1),
    ui: z.union([z.string().min(1), z.record(z.string())]).optional(),
    // [M] "The field is required for all new plugins and the value must be dynamic-page."
    documentAccess: z.literal('dynamic-page'),
    menu: z.array(menuItem).optional(),
    // [M] relaunch buttons: { command, name, multipleSelection? }.
    relaunchButtons: z.array(z.object({ command: z.string().min(1), name: z.string().min(1), multipleSelection: z.boolean().optional() }).strict()).optional(),
    networkAccess: z
      .object({
        allowedDomains: z.array(allowedDomain).min(1),
        // [N] shown to designers and org admins next to the domains; Atelier always gives one.
        reasoning: z.string().min(1).max(999),
        devAllowedDomains: z.array(allowedDomain).optional(),
      })
      .strict(),
    permissions: z.array(z.string()).optional(),
    capabilities: z.array(z.string()).optional(),
    enableProposedApi: z.boolean().optional(),
    enablePrivatePluginApi: z.boolean().optional(),
    parameters: z.array(z.unknown()).optional(),
    parameterOnly: z.boolean().optional(),
  })
  .strict();
export type FigmaManifest = z.infer<typeof figmaManifestSchema>;

/** Every command a designer can start the plugin with: menu entries (nested too) and relaunch buttons. */
export function manifestCommands(manifest: FigmaManifest): string[] {
  const out: string[] = [];
  const walk = (items: ReadonlyArray<MenuItem>) => {
    for (const item of items) {
      if ('command' in item) out.push(item.command);
      if ('menu' in item) walk(item.menu);
    }
  };
  walk(manifest.menu ?? []);
  for (const button of manifest.relaunchButtons ?? []) out.push(button.command);
  return out;
}
