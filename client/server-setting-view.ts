import { byId } from './dom.ts';
import { parseTeamServerAddress, teamServerHost, type ServerTarget } from './team-server.ts';

/**
 * The "Team server" field every window shows (client/html/server-setting.html), by element id.
 * The rule for what may be typed is client/team-server.ts; what "Use" then does is each app's:
 * Figma stores it through its main code and dials it, the Photopea panel moves to that server's
 * own panel page. `use` answers a sentence when it cannot (shown under the field), else null.
 */
export function wireServerSetting(use: (address: string | null) => string | null): void {
  const input = byId<HTMLInputElement>('server-address');
  const submit = (): void => {
    const parsed = parseTeamServerAddress(input.value);
    const problem = parsed.ok ? use(parsed.address) : parsed.message;
    showServerError(problem);
    if (parsed.ok && problem === null) input.value = parsed.address ?? '';
  };
  byId('server-use').addEventListener('click', submit);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') submit();
  });
  input.addEventListener('input', () => showServerError(null));
}

export function showServerError(text: string | null): void {
  const error = byId('server-error');
  error.hidden = !text;
  error.textContent = text ?? '';
  if (text) byId<HTMLDetailsElement>('server-setting').open = true;
}

/**
 * Which server the window talks to, in its summary line; the field shows the address unless the
 * designer is typing in it, or `suggestion` (a studio build's server) while it is empty.
 * `locked`: no change while a job runs (its progress comes from the server it was sent to).
 */
export function renderServerSetting(target: ServerTarget, suggestion: string | null, locked: boolean): void {
  byId('server-summary').textContent = target.kind === 'local' ? 'this computer' : teamServerHost(target.address);
  const input = byId<HTMLInputElement>('server-address');
  const address = target.kind === 'team' ? target.address : '';
  if (document.activeElement !== input && input.dataset.shown !== address) {
    input.value = address;
    input.dataset.shown = address;
  }
  if (suggestion) input.placeholder = suggestion;
  input.disabled = locked;
  byId<HTMLButtonElement>('server-use').disabled = locked;
}
