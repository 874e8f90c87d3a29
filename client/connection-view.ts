import { LIMITS, parsePairingCode } from '../protocol/index.ts';
import { blocksLocalhostFromHttps } from './browser-access.ts';
import { IMPOSTOR_TITLE, type ConnectionState } from './connection-state.ts';
import type { DaemonClient } from './daemon-client.ts';
import { byId } from './dom.ts';
import { describeSetup } from './setup-text.ts';
import { pairingSentence, teamUnreachableSentence, type ServerTarget } from './team-server.ts';

/**
 * The connection panels every editor's window shows (status pill, daemon not running, setting
 * up, pairing, not your Atelier app, version mismatch), by element id: each window's HTML has the same ids and its
 * own wording (what to check differs between Figma and Photopea).
 */
export function renderConnectionPanels(c: ConnectionState, target: ServerTarget = { kind: 'local' }): void {
  const team = target.kind === 'team';
  // Safari refuses the connection itself: "can't reach, check…" would send the designer after
  // a daemon that is running; the window says to use another browser instead. A team server
  // over wss:// is no mixed content, so Safari reaches it like any browser.
  const safari = !team && blocksLocalhostFromHttps(navigator.userAgent);
  const [dot, text] = ((): [string, string] => {
    switch (c.kind) {
      case 'connecting':
        return ['warn', c.reconnecting ? 'Reconnecting…' : 'Connecting…'];
      case 'not-running':
        return ['bad', safari ? 'Not available in Safari' : team ? 'Can’t reach the team server' : 'Can’t reach Atelier'];
      case 'setting-up': {
        const setup = describeSetup(c.setup);
        return [setup.failed ? 'bad' : 'warn', setup.pill];
      }
      case 'pairing-needed':
      case 'pairing':
        return ['warn', 'Pairing needed'];
      case 'ready':
        return ['ok', c.welcome.engine ? `Connected · ${c.welcome.engine.backend}` : 'Connected'];
      case 'version-mismatch':
        return ['bad', 'Update needed'];
      case 'impostor':
        return ['bad', 'Not your Atelier app'];
    }
  })();
  byId('status-dot').className = `dot ${dot}`;
  byId('status-text').textContent = text;
  byId('panel-not-running').hidden = c.kind !== 'not-running';
  if (c.kind === 'not-running') {
    byId('not-running-body').hidden = safari || team;
    byId('not-running-team').hidden = !team;
    if (target.kind === 'team') byId('team-unreachable-title').textContent = teamUnreachableSentence(target.address);
    byId('not-running-safari').hidden = !safari;
    byId('retry-line').hidden = safari;
    byId('retry-text').textContent = `Trying again in ${Math.max(1, Math.round(c.retryInMs / 1000))} s…`;
    byId('not-running-failure').hidden = !c.lastFailure;
    byId('not-running-failure').textContent = c.lastFailure ? `It stopped while setting up: ${c.lastFailure}` : '';
  }
  const setupPanel = byId('panel-setup');
  setupPanel.hidden = c.kind !== 'setting-up';
  if (c.kind === 'setting-up') {
    const setup = describeSetup(c.setup);
    setupPanel.className = setup.failed ? 'card bad' : 'card';
    byId('setup-headline').textContent = setup.headline;
    byId('setup-detail').textContent = setup.detail;
    byId('setup-progress').hidden = setup.fraction === null;
    byId('setup-bar').style.width = `${Math.round((setup.fraction ?? 0) * 100)}%`;
  }
  byId('panel-pairing').hidden = c.kind !== 'pairing-needed' && c.kind !== 'pairing';
  byId('pair-intro').textContent = pairingSentence(target);
  byId<HTMLButtonElement>('pair-submit').disabled = c.kind === 'pairing';
  if (c.kind === 'pairing-needed') showPairError(c.error);
  byId('panel-impostor').hidden = c.kind !== 'impostor';
  if (c.kind === 'impostor') {
    byId('impostor-title').textContent = IMPOSTOR_TITLE;
    byId('impostor-text').textContent = c.message;
  }
  byId('panel-version').hidden = c.kind !== 'version-mismatch';
  if (c.kind === 'version-mismatch') byId('version-text').textContent = c.message;
}

export function showPairError(text: string | null): void {
  const error = byId('pair-error');
  error.hidden = !text;
  error.textContent = text ?? '';
}

/** The buttons of the connection panels: retry, and the pairing code field (its digits, spaces allowed; Enter submits). */
export function wireConnectionPanels(client: () => DaemonClient | null, target: () => ServerTarget = () => ({ kind: 'local' })): void {
  byId('retry-now').addEventListener('click', () => client()?.retryNow());
  byId('version-retry').addEventListener('click', () => client()?.retryNow());
  byId('impostor-retry').addEventListener('click', () => client()?.retryNow());
  const code = byId<HTMLInputElement>('pair-code');
  const submitCode = () => {
    const value = parsePairingCode(code.value);
    if (value === null) {
      const where = target().kind === 'team' ? 'as your invite shows it' : 'as Atelier’s tray menu or terminal shows it';
      showPairError(`The code has ${LIMITS.PAIRING_CODE_DIGITS} digits, ${where}.`);
      return;
    }
    if (client()?.pair(value)) code.value = '';
  };
  byId('pair-submit').addEventListener('click', submitCode);
  code.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') submitCode();
  });
}
