import { jobOptionsSchema, uiToMainSchema, type JobOptions, type MainToUi, type StyleLayer, type UiToMain } from '../bridge/index.ts';
import { PLUGIN_DATA_KEYS, SELECTION_DEBOUNCE_MS, UI_HEIGHT, UI_WIDTH } from '../limits.ts';
import { BatchRunner } from './batch-runner.ts';
import { MENU_COMMANDS, RELAUNCH_COMMANDS } from './commands.ts';
import type { HostApi, HostSceneNode } from './figma-host.ts';
import { PluginError } from './plugin-error.ts';
import { dismissWaitingAsync, placeWaitingAsync } from './place-waiting.ts';
import { fileDocumentId } from './placement.ts';
import { sceneNodeByIdAsync } from './scene-node-by-id.ts';
import { collectTargets, whyNotExportable } from './selection.ts';
import { keyPatch, loadSettingsAsync, saveSettingsAsync, serverChoice } from './settings-store.ts';
import { whyFigmaBlocks } from '../team-build.ts';
import { loadStyleChoiceAsync, saveStyleChoice } from './style-choice.ts';
import { listMaskLayersAsync, loadMaskChoiceAsync, saveMaskChoice, whyNotMask } from './mask-layers.ts';
import { maskReaches } from './mask-export.ts';
import { describeStyleLayerAsync, exportThumbnailAsync, listStyleLayersAsync, pageOf } from './style-layers.ts';

/** A relaunch ("Re-apply style") fixes targets, style and options from the result layers. */
interface RelaunchPlan {
  targets: HostSceneNode[];
  styleNodeId: string | null;
  options: JobOptions | null;
  missing: string[];
  /** The mask the results were made with ('' : none; null: no result said). */
  maskNodeId: string | null;
}

/**
 * Null when the selection holds no result this plugin id can read: its plugin data was
 * written under another id (the plugin was published under a new one, README "Publishing"),
 * or the designer launched "restyle" on plain layers. The run is then an ordinary one.
 */
async function planRelaunchAsync(api: HostApi): Promise<RelaunchPlan | null> {
  const plan: RelaunchPlan = { targets: [], styleNodeId: null, options: null, missing: [], maskNodeId: null };
  for (const node of api.currentPage.selection) {
    const sourceId = node.getPluginData(PLUGIN_DATA_KEYS.source);
    if (!sourceId) continue;
    const source = await sceneNodeByIdAsync(api, sourceId);
    if (!source) {
      plan.missing.push(node.name);
      continue;
    }
    if (!plan.targets.some((t) => t.id === source.id)) plan.targets.push(source);
    plan.styleNodeId ??= node.getPluginData(PLUGIN_DATA_KEYS.style) || null;
    plan.maskNodeId ??= node.getPluginData(PLUGIN_DATA_KEYS.mask);
    if (!plan.options) {
      try {
        const parsed = jobOptionsSchema.safeParse(JSON.parse(node.getPluginData(PLUGIN_DATA_KEYS.options)));
        if (parsed.success) plan.options = parsed.data;
      } catch {
        // Unreadable stored options: fall back to the remembered ones.
      }
    }
  }
  return plan.targets.length > 0 || plan.missing.length > 0 ? plan : null;
}

/**
 * The plugin's main code. Everything goes through `api`, so tests run it against a fake.
 * Returns once the plugin is set up; afterwards it reacts to UI messages and selection changes.
 */
export async function runPluginAsync(api: HostApi, html: string): Promise<void> {
  const command = api.command || MENU_COMMANDS.apply;
  const known: readonly string[] = [...Object.values(MENU_COMMANDS), ...Object.values(RELAUNCH_COMMANDS)];
  if (!known.includes(command)) {
    // A manifest entry the code does not know would otherwise open the wrong screen silently.
    api.closePlugin(`Atelier does not know the command “${command}”. Update the plugin.`);
    return;
  }

  if (command === MENU_COMMANDS.useSelectionAsStyle) {
    const [node, ...rest] = api.currentPage.selection;
    const reason = !node ? 'nothing is selected' : rest.length > 0 ? 'more than one layer is selected' : whyNotExportable(node);
    if (node && !reason) {
      saveStyleChoice(api, node);
      api.closePlugin(`Atelier will use “${node.name}” as the style.`);
    } else {
      api.closePlugin(`Select one layer to use as the style (${reason}).`);
    }
    return;
  }

  if (command === MENU_COMMANDS.useSelectionAsMask) {
    const [node, ...rest] = api.currentPage.selection;
    const reason = !node ? 'nothing is selected' : rest.length > 0 ? 'more than one layer is selected' : whyNotMask(node, []);
    if (node && !reason) {
      saveMaskChoice(api, node);
      api.closePlugin(`Atelier will stylise only what is under “${node.name}”. Select the frame and choose Apply style….`);
    } else {
      api.closePlugin(`Select one shape to use as the mask (${reason}).`);
    }
    return;
  }

  api.showUI(html, { width: UI_WIDTH, height: UI_HEIGHT, themeColors: true, title: 'Atelier' });
  // Listen at once: Figma drops UI messages that arrive while no handler is set, and the UI
  // says "ui-ready" as soon as it loads, which can be before the relaunch plan below is made.
  // Messages are held until the handlers exist, then handled in order.
  let handle: ((raw: unknown) => void) | null = null;
  const early: unknown[] = [];
  api.ui.onmessage = (raw) => {
    if (handle) handle(raw);
    else early.push(raw);
  };
  const post = (message: MainToUi): void => api.ui.postMessage(message);
  const runner = new BatchRunner(api, post);
  let relaunch: RelaunchPlan | null = command === RELAUNCH_COMMANDS.restyle ? await planRelaunchAsync(api) : null;
  let selectionSeq = 0;
  /** The mask in force (issue 31): the file's choice, then what the designer picks. */
  let mask: HostSceneNode | null = null;

  const currentTargets = () => {
    if (relaunch) return { targets: relaunch.targets, skipped: relaunch.missing.map((name) => ({ name, reason: 'its original layer was deleted' })) };
    // The mask selected with the frames it marks is not a layer to stylise itself.
    const selection = api.currentPage.selection.filter((n) => n.id !== mask?.id);
    const { targets, skipped } = collectTargets(selection);
    return selection.length < api.currentPage.selection.length ? { targets, skipped: [...skipped, { name: mask!.name, reason: 'it is the mask' }] } : { targets, skipped };
  };

  const postSelectionAsync = async (): Promise<void> => {
    const seq = ++selectionSeq;
    const { targets, skipped } = currentTargets();
    const first = targets[0];
    const thumbnail = first ? await exportThumbnailAsync(first) : null;
    if (seq !== selectionSeq) return; // A newer selection arrived while exporting.
    const m = mask;
    post({
      type: 'selection',
      selection: {
        targets: targets.map((t) => ({ id: t.id, name: t.name, type: t.type, width: t.width, height: t.height })),
        skipped,
        thumbnail,
        maskMisses: m ? targets.filter((t) => !maskReaches(m, t)).map((t) => t.name) : [],
      },
    });
    const maskLayers = await listMaskLayersAsync(api, targets, PLUGIN_DATA_KEYS.source);
    if (seq === selectionSeq) post({ type: 'mask-layers', layers: maskLayers });
  };

  const describeStyleAsync = async (node: HostSceneNode | null): Promise<StyleLayer | null> =>
    node ? describeStyleLayerAsync(node, pageOf(node)) : null;

  /** The relaunch's style if that layer still exists, else this file's chosen one. */
  const initialStyleAsync = async (): Promise<HostSceneNode | null> => {
    const fromResult = relaunch?.styleNodeId ? await sceneNodeByIdAsync(api, relaunch.styleNodeId) : null;
    return fromResult ?? (await loadStyleChoiceAsync(api));
  };

  const postStyleLayersAsync = async (allPages: boolean): Promise<void> => {
    post({ type: 'style-layers', ...(await listStyleLayersAsync(api, PLUGIN_DATA_KEYS.source, allPages)) });
  };

  const maskByIdAsync = async (id: string): Promise<HostSceneNode> => {
    const node = await sceneNodeByIdAsync(api, id);
    if (!node) throw new PluginError('mask-missing', 'The mask layer no longer exists. Choose another mask, or None.');
    return node;
  };

  const problem = (error: unknown): void => {
    if (error instanceof PluginError) post({ type: 'problem', code: error.code, message: error.message });
    else post({ type: 'problem', code: 'internal', message: `Something went wrong in the plugin: ${error instanceof Error ? error.message : String(error)}` });
  };

  const chooseMaskAsync = async (node: HostSceneNode | null): Promise<void> => {
    if (node) {
      // Selected to be made the mask, it is no layer to stylise (currentTargets leaves it out once chosen).
      const reason = whyNotMask(node, currentTargets().targets.filter((t) => t.id !== node.id));
      if (reason) throw new PluginError('mask-missing', `“${node.name}” cannot be the mask: ${reason}.`);
    }
    mask = node;
    saveMaskChoice(api, node);
    post({ type: 'mask-chosen', mask: node ? await describeStyleLayerAsync(node, pageOf(node)) : null });
    // Which layers it reaches, and whether it was among the selected ones, changed.
    await postSelectionAsync();
  };

  const chooseStyleAsync = async (node: HostSceneNode | null): Promise<void> => {
    if (!node) throw new PluginError('style-missing', 'That style layer no longer exists. Pick another one.');
    saveStyleChoice(api, node);
    post({ type: 'style-chosen', style: await describeStyleLayerAsync(node, pageOf(node)) });
  };

  const handleAsync = async (message: UiToMain): Promise<void> => {
    switch (message.type) {
      case 'ui-ready': {
        const settings = await loadSettingsAsync(api);
        // A relaunch takes the mask its results were made with (none for those made without one).
        const relaunchMask = relaunch?.maskNodeId ?? null;
        mask = relaunchMask === null ? await loadMaskChoiceAsync(api) : relaunchMask === '' ? null : await sceneNodeByIdAsync(api, relaunchMask);
        const maskGone = relaunchMask !== null && relaunchMask !== '' && mask === null;
        const server = serverChoice(settings);
        post({
          type: 'init',
          command,
          options: relaunch?.options ?? settings.options,
          style: await describeStyleAsync(await initialStyleAsync()),
          ...server,
          // Never restyle the whole frame on its own because its mask was deleted meanwhile.
          autoStart: relaunch !== null && relaunch.targets.length > 0 && !maskGone,
          document: fileDocumentId(api, false),
          mask: await describeStyleAsync(mask),
        });
        await postSelectionAsync();
        await postStyleLayersAsync(false);
        if (maskGone) throw new PluginError('mask-missing', 'The mask these results were made with no longer exists. Choose a mask, or None to stylise the whole layer.');
        return;
      }
      case 'refresh-styles':
        await postStyleLayersAsync(message.allPages);
        return;
      case 'save-options':
        await saveSettingsAsync(api, { options: message.options });
        return;
      case 'choose-style':
        await chooseStyleAsync(await sceneNodeByIdAsync(api, message.styleNodeId));
        return;
      case 'use-selection-as-style': {
        const selection = api.currentPage.selection;
        const node = selection.length === 1 ? selection[0]! : null;
        const reason = !node ? 'Select exactly one layer to use as the style.' : whyNotExportable(node);
        if (!node || reason) throw new PluginError('no-style', node ? `“${node.name}” cannot be a style: ${reason}.` : reason!);
        await chooseStyleAsync(node);
        return;
      }
      case 'choose-mask':
        await chooseMaskAsync(message.maskNodeId === null ? null : await maskByIdAsync(message.maskNodeId));
        return;
      case 'use-selection-as-mask': {
        const selection = api.currentPage.selection;
        if (selection.length !== 1) throw new PluginError('mask-missing', 'Select exactly one shape to use as the mask.');
        await chooseMaskAsync(selection[0]!);
        return;
      }
      case 'start': {
        const style = await sceneNodeByIdAsync(api, message.styleNodeId);
        if (!style) throw new PluginError('style-missing', 'The style layer no longer exists. Pick another one.');
        const chosenMask = message.maskNodeId === null ? null : await maskByIdAsync(message.maskNodeId);
        mask = chosenMask;
        const { targets } = currentTargets();
        if (targets.length === 0) throw new PluginError('no-selection', 'Select one or more frames or layers to stylise.');
        await saveSettingsAsync(api, { options: message.options });
        saveStyleChoice(api, style);
        await runner.startAsync({ targets, style, options: message.options, mask: chosenMask });
        return;
      }
      case 'job-result':
        await runner.acceptResultAsync(message.jobId, message.png);
        return;
      case 'job-failed':
        await runner.acceptFailureAsync(message.jobId, message.message);
        return;
      case 'place-result': {
        const outcome = await placeWaitingAsync(api, message.data, message.png, message.orphan);
        if (outcome.kind === 'placed') post({ type: 'result-placed', jobId: message.jobId, nodeId: outcome.nodeId, name: outcome.name });
        else if (outcome.kind === 'orphaned') post({ type: 'result-orphaned', jobId: message.jobId, name: outcome.name });
        else post({ type: 'result-not-placed', jobId: message.jobId, message: outcome.message });
        return;
      }
      case 'dismiss-result':
        await dismissWaitingAsync(api, message.data);
        return;
      case 'cancel':
        runner.cancel();
        return;
      case 'store-key':
        await saveSettingsAsync(api, (current) => keyPatch(current, message.server, message.key));
        return;
      case 'set-team-server': {
        // The window checked it too; this copy's manifest decides what Figma lets through.
        const blocked = whyFigmaBlocks(message.address);
        if (blocked) throw new PluginError('team-server-blocked', blocked);
        post({ type: 'server', ...serverChoice(await saveSettingsAsync(api, { teamServer: message.address })) });
        return;
      }
      case 'focus-node': {
        const node = await sceneNodeByIdAsync(api, message.nodeId);
        const page = node ? pageOf(node) : null;
        if (!node || !page) throw new PluginError('source-removed', 'That layer no longer exists.');
        // With dynamic-page, currentPage is read-only: switching pages is setCurrentPageAsync.
        if (page.id !== api.currentPage.id) await api.setCurrentPageAsync(page);
        api.currentPage.selection = [node];
        api.viewport.scrollAndZoomIntoView([node]);
        return;
      }
      case 'close':
        api.closePlugin();
        return;
    }
  };

  handle = (raw) => {
    const parsed = uiToMainSchema.safeParse(raw);
    if (!parsed.success) {
      console.warn('Atelier: ignored a malformed message from the UI', parsed.error.issues[0]?.message);
      return;
    }
    handleAsync(parsed.data).catch(problem);
  };
  for (const raw of early.splice(0)) handle(raw);

  // Dragging a marquee fires selectionchange for every layer it touches; exporting a thumbnail
  // each time would queue dozens of exports. Only the selection that stays is described.
  let selectionTimer: ReturnType<typeof setTimeout> | null = null;
  const selectionChanged = (): void => {
    // A fresh selection replaces the relaunch targets: the designer has moved on.
    relaunch = null;
    if (selectionTimer !== null) clearTimeout(selectionTimer);
    selectionTimer = setTimeout(() => {
      selectionTimer = null;
      postSelectionAsync().catch(problem);
    }, SELECTION_DEBOUNCE_MS);
  };
  api.on('selectionchange', selectionChanged);
  // Another page: its selection and its image layers are what count now (other pages again
  // only when asked). Figma follows a page change with a selectionchange; the debounce folds the two.
  api.on('currentpagechange', () => {
    selectionChanged();
    handleAsync({ type: 'refresh-styles', allPages: false }).catch(problem);
  });
}
