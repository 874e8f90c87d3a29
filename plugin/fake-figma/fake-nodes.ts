import type { ExportSettingsImage, NodeType, Paint } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { HostPage, HostRectangle, HostSceneNode, SceneNodeType } from '../main/figma-host.ts';
import { encodePng, paintPattern, type RgbColor } from './png-encode.ts';

/** Hooks a node uses to report to its fake document (ids, export log, undo journal). */
export interface FakeDocumentHooks {
  nextId(): string;
  register(node: FakeSceneNode | FakePage): void;
  recordExport(node: FakeSceneNode, settings: ExportSettingsImage): void;
  recordCreated(node: FakeSceneNode): void;
  readonly failExports: Set<string>;
}

export interface FakeNodeInit {
  name?: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  visible?: boolean;
  fills?: ReadonlyArray<Paint>;
  layoutMode?: 'NONE' | 'HORIZONTAL' | 'VERTICAL';
  /** Colour and pattern of the pixels exportAsync renders. */
  color?: RgbColor;
  pattern?: 'disc' | 'stripes' | 'plain';
  /** Layers that Figma cannot export (e.g. widgets) lack exportAsync. */
  exportable?: boolean;
}

function exportSize(node: { width: number; height: number }, settings: ExportSettingsImage): { width: number; height: number } {
  const c = settings.constraint ?? { type: 'SCALE', value: 1 };
  const scale = c.type === 'WIDTH' ? c.value / node.width : c.type === 'HEIGHT' ? c.value / node.height : c.value;
  return { width: Math.max(1, Math.round(node.width * scale)), height: Math.max(1, Math.round(node.height * scale)) };
}

/** A layer. Containers (frames, groups, instances) hold children; rectangles are results. */
export class FakeSceneNode implements HostSceneNode {
  readonly id: string;
  name: string;
  removed = false;
  visible: boolean;
  parent: (FakeSceneNode | FakePage) | null = null;
  x: number;
  y: number;
  width: number;
  height: number;
  rotation = 0;
  fills: ReadonlyArray<Paint> | symbol;
  layoutMode: string | undefined;
  layoutPositioning: 'AUTO' | 'ABSOLUTE' = 'AUTO';
  readonly childList: FakeSceneNode[] = [];
  readonly pluginData = new Map<string, string>();
  relaunchData: { [command: string]: string } = {};
  readonly color: RgbColor;
  readonly pattern: 'disc' | 'stripes' | 'plain';
  exportAsync?: (settings: ExportSettingsImage) => Promise<Uint8Array>;

  constructor(
    readonly type: SceneNodeType,
    private readonly hooks: FakeDocumentHooks,
    init: FakeNodeInit = {},
    readonly isContainer = false,
  ) {
    this.id = hooks.nextId();
    this.name = init.name ?? type.toLowerCase();
    this.x = init.x ?? 0;
    this.y = init.y ?? 0;
    this.width = init.width ?? 100;
    this.height = init.height ?? 100;
    this.visible = init.visible ?? true;
    this.fills = init.fills ?? [];
    this.layoutMode = isContainer ? (init.layoutMode ?? 'NONE') : undefined;
    this.color = init.color ?? [200, 120, 60];
    this.pattern = init.pattern ?? 'disc';
    if (init.exportable !== false) {
      this.exportAsync = async (settings) => {
        hooks.recordExport(this, settings);
        if (hooks.failExports.has(this.id)) throw new Error('export failed (fake)');
        const size = exportSize(this, settings);
        return encodePng(size.width, size.height, paintPattern(size.width, size.height, this.color, this.pattern));
      };
    }
    hooks.register(this);
  }

  /** Empty for leaf layers (insertChild still refuses them), so any layer can be typed as a parent. */
  get children(): ReadonlyArray<FakeSceneNode> {
    return this.childList;
  }

  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }

  setPluginData(key: string, value: string): void {
    this.pluginData.set(key, value);
  }

  setRelaunchData(data: { [command: string]: string }): void {
    for (const description of Object.values(data)) {
      if (description.length > 1000) throw new Error('relaunch description exceeds 1000 characters');
    }
    this.relaunchData = { ...data };
  }

  resize(width: number, height: number): void {
    if (!(width >= 0.01 && height >= 0.01)) throw new Error('resize: width and height must be >= 0.01');
    this.width = width;
    this.height = height;
  }

  remove(): void {
    detach(this);
    this.removed = true;
    for (const child of this.childList) child.remove();
  }

  insertChild(index: number, child: HostSceneNode): void {
    insertInto(this, index, child, true);
  }

  /** Test-side document building; unlike insertChild it may fill instances. */
  appendChild(child: FakeSceneNode): void {
    insertInto(this, this.childList.length, child, false);
  }
}

/** What figma.createRectangle() returns. */
export class FakeRectangle extends FakeSceneNode implements HostRectangle {
  declare readonly type: 'RECTANGLE';
  declare fills: ReadonlyArray<Paint> | symbol;
}

function detach(node: FakeSceneNode): void {
  const parent = node.parent;
  if (!parent) return;
  const list = parent.childList;
  const i = list.indexOf(node);
  if (i >= 0) list.splice(i, 1);
  node.parent = null;
}

function insertInto(parent: FakeSceneNode | FakePage, index: number, child: HostSceneNode, enforceInstanceRule = true): void {
  if (!(child instanceof FakeSceneNode)) throw new Error('insertChild: not a node of this document');
  if (parent instanceof FakeSceneNode && !parent.isContainer) throw new Error(`insertChild: a ${parent.type} has no children`);
  if (enforceInstanceRule && parent instanceof FakeSceneNode && (parent.type === 'INSTANCE' || insideInstance(parent))) {
    throw new Error('Cannot move node. New parent is an instance or is inside of an instance');
  }
  detach(child);
  const list = parent.childList;
  list.splice(Math.max(0, Math.min(index, list.length)), 0, child);
  child.parent = parent;
}

function insideInstance(node: FakeSceneNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'INSTANCE') return true;
  return false;
}

export class FakePage implements HostPage {
  readonly type = 'PAGE' as const;
  readonly id: string;
  readonly removed = false;
  readonly parent: null = null;
  readonly childList: FakeSceneNode[] = [];
  selection: ReadonlyArray<FakeSceneNode> = [];
  loaded: boolean;
  /** The fake counts loads so tests can see dynamic-page access at work. */
  loadCount = 0;

  constructor(
    hooks: FakeDocumentHooks,
    public name: string,
    loaded: boolean,
    private readonly onSelectionChange: (page: FakePage) => void,
  ) {
    this.id = hooks.nextId();
    this.loaded = loaded;
    hooks.register(this);
  }

  get children(): ReadonlyArray<FakeSceneNode> {
    return this.childList;
  }

  setSelection(nodes: FakeSceneNode[]): void {
    this.selection = nodes;
    this.onSelectionChange(this);
  }

  insertChild(index: number, child: HostSceneNode): void {
    insertInto(this, index, child);
  }

  appendChild(child: FakeSceneNode): void {
    insertInto(this, this.childList.length, child);
  }

  findAll(callback?: (node: HostSceneNode) => boolean): FakeSceneNode[] {
    if (!this.loaded) throw new Error('page not loaded: call loadAsync() first (dynamic-page)');
    const out: FakeSceneNode[] = [];
    const walk = (nodes: ReadonlyArray<FakeSceneNode>) => {
      for (const n of nodes) {
        if (!callback || callback(n)) out.push(n);
        walk(n.childList);
      }
    };
    walk(this.childList);
    return out;
  }

  async loadAsync(): Promise<void> {
    this.loadCount++;
    this.loaded = true;
  }
}

export type { NodeType };
