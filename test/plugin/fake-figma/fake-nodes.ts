import type { ExportSettingsImage, NodeType, Paint } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { HostDocument, HostPage, HostRectangle, HostSceneNode, SceneNodeType } from '../../../plugin/main/figma-host.ts';
import { IDENTITY, boundsUnder, grow, intersect, multiply, transformOf, union, type Box, type Matrix } from './geometry.ts';
import { encodePng, encodePngRgba, paintPattern, type RgbColor } from './png-encode.ts';
import { ownPaint, renderLayer } from './render.ts';

/** Hooks a node uses to report to its fake document (ids, export log, undo journal). */
export interface FakeDocumentHooks {
  nextId(): string;
  register(node: FakeSceneNode | FakePage): void;
  recordExport(node: FakeSceneNode, settings: ExportSettingsImage): void;
  recordCreated(node: FakeSceneNode): void;
  readonly failExports: Set<string>;
  /** The running plugin's manifest id: plugin data and relaunch data are kept per id. */
  pluginId(): string;
  /** figma.skipInvisibleInstanceChildren, as the plugin last set it. */
  skipInvisibleInstanceChildren(): boolean;
  /** What a traversal costs, counted for scripts/bench-style-list.ts. */
  readonly traversal: FakeTraversalCount;
}

/**
 * A search's cost: `walked` counts the nodes the editor steps through, `toPlugin` the node
 * objects handed to plugin code (each findAll callback call, each node findAllWithCriteria
 * returns). Figma's docs say the second is what makes findAll slow and findAllWithCriteria
 * "hundreds of times faster" (plugin-api.d.ts, ChildrenMixin.findAllWithCriteria).
 */
export interface FakeTraversalCount {
  walked: number;
  toPlugin: number;
}

/**
 * Plugin data, relaunch data and clientStorage are private to a plugin id: "The data is
 * specific to your plugin ID. Plugins with other IDs won't be able to read this data"
 * (developers.figma.com/docs/plugins/api/properties/nodes-setplugindata, .../figma-clientStorage).
 */
export class PerPluginId<T> {
  private readonly byId = new Map<string, T>();
  constructor(
    private readonly currentId: () => string,
    private readonly empty: () => T,
  ) {}

  get current(): T {
    const id = this.currentId();
    let value = this.byId.get(id);
    if (value === undefined) {
      value = this.empty();
      this.byId.set(id, value);
    }
    return value;
  }

  set current(value: T) {
    this.byId.set(this.currentId(), value);
  }
}

/**
 * PluginDataMixin, shared by layers and the document: setPluginData/getPluginData as Figma
 * documents them, per plugin id; "" removes the entry (Version 1, Update 17).
 */
abstract class FakePluginData {
  private readonly data: PerPluginId<Map<string, string>>;

  constructor(hooks: FakeDocumentHooks) {
    this.data = new PerPluginId(() => hooks.pluginId(), () => new Map());
  }

  /** This plugin's data here (test side: read it as the running plugin id sees it). */
  get pluginData(): Map<string, string> {
    return this.data.current;
  }

  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }

  setPluginData(key: string, value: string): void {
    if (value === '') this.pluginData.delete(key);
    else this.pluginData.set(key, value);
  }
}

export interface FakeDropShadow {
  offset: { x: number; y: number };
  radius: number;
  spread?: number;
}

export interface FakeNodeInit {
  name?: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  /** Degrees, counter-clockwise about the top-left corner, as Figma's `rotation`. */
  rotation?: number;
  visible?: boolean;
  fills?: ReadonlyArray<Paint>;
  layoutMode?: 'NONE' | 'HORIZONTAL' | 'VERTICAL';
  /** Frames clip their children by default (Figma's "Clip content"). */
  clipsContent?: boolean;
  effects?: ReadonlyArray<FakeDropShadow>;
  strokeWeight?: number;
  strokeAlign?: 'INSIDE' | 'CENTER' | 'OUTSIDE';
  /**
   * Text only: where the glyphs are drawn, in the layer's own space. Glyphs overflow or leave
   * empty space in their box (descenders, italics, fixed-height boxes), which is what Figma's
   * render bounds follow and `useAbsoluteBounds` ignores.
   */
  ink?: Box;
  /** Colour and pattern of the pixels exportAsync renders. */
  color?: RgbColor;
  pattern?: 'disc' | 'stripes' | 'plain';
  /** Layers that Figma cannot export (e.g. widgets) lack exportAsync. */
  exportable?: boolean;
}

/**
 * Groups and boolean operations "automatically resize to fit their children", and their
 * children's relativeTransform is relative to the nearest container that is neither
 * (plugin-api.d.ts, DimensionAndPositionMixin.relativeTransform, "Container parent").
 */
function isDerived(type: string): boolean {
  return type === 'GROUP' || type === 'BOOLEAN_OPERATION';
}

/** Frame-like layers clip their children when clipsContent is true (FrameNode.clipsContent). */
function canClip(type: string): boolean {
  return type === 'FRAME' || type === 'COMPONENT' || type === 'COMPONENT_SET' || type === 'INSTANCE';
}

/**
 * Pixel size of an export: ExportSettingsConstraints scales the exported *region* — the
 * render bounds, or with `useAbsoluteBounds` the full bounding box — not `width × height`.
 */
function exportPixels(region: Box, settings: ExportSettingsImage): { width: number; height: number } {
  const c = settings.constraint ?? { type: 'SCALE', value: 1 };
  const scale = c.type === 'WIDTH' ? c.value / region.width : c.type === 'HEIGHT' ? c.value / region.height : c.value;
  return { width: Math.max(1, Math.round(region.width * scale)), height: Math.max(1, Math.round(region.height * scale)) };
}

/** A layer. Containers (frames, groups, instances, boolean operations…) hold children. */
export class FakeSceneNode extends FakePluginData implements HostSceneNode {
  readonly id: string;
  name: string;
  removed = false;
  visible: boolean;
  parent: (FakeSceneNode | FakePage) | null = null;
  private ownX: number;
  private ownY: number;
  private ownWidth: number;
  private ownHeight: number;
  private ownRotation: number;
  fills: ReadonlyArray<Paint> | symbol;
  layoutMode: string | undefined;
  layoutPositioning: 'AUTO' | 'ABSOLUTE' = 'AUTO';
  clipsContent: boolean;
  readonly effects: ReadonlyArray<FakeDropShadow>;
  readonly strokeWeight: number;
  readonly strokeAlign: 'INSIDE' | 'CENTER' | 'OUTSIDE';
  readonly ink: Box | undefined;
  readonly childList: FakeSceneNode[] = [];
  private readonly relaunchStore: PerPluginId<{ [command: string]: string }>;
  readonly color: RgbColor;
  readonly pattern: 'disc' | 'stripes' | 'plain';
  /** Test side: a real picture instead of the pattern (render.ts). */
  picture: ((width: number, height: number) => Uint8Array) | null = null;
  exportAsync?: (settings: ExportSettingsImage) => Promise<Uint8Array>;

  constructor(
    readonly type: SceneNodeType,
    private readonly hooks: FakeDocumentHooks,
    init: FakeNodeInit = {},
    readonly isContainer = false,
  ) {
    super(hooks);
    this.id = hooks.nextId();
    this.relaunchStore = new PerPluginId(() => hooks.pluginId(), () => ({}));
    this.name = init.name ?? type.toLowerCase();
    this.ownX = init.x ?? 0;
    this.ownY = init.y ?? 0;
    this.ownWidth = init.width ?? 100;
    this.ownHeight = init.height ?? 100;
    this.ownRotation = init.rotation ?? 0;
    this.visible = init.visible ?? true;
    this.fills = init.fills ?? [];
    this.layoutMode = isContainer && !isDerived(type) ? (init.layoutMode ?? 'NONE') : undefined;
    this.clipsContent = canClip(type) ? (init.clipsContent ?? true) : false;
    this.effects = init.effects ?? [];
    this.strokeWeight = init.strokeWeight ?? 0;
    this.strokeAlign = init.strokeAlign ?? 'INSIDE';
    this.ink = type === 'TEXT' ? init.ink : undefined;
    this.color = init.color ?? [200, 120, 60];
    this.pattern = init.pattern ?? 'disc';
    if (init.exportable !== false) {
      this.exportAsync = async (settings) => {
        hooks.recordExport(this, settings);
        if (hooks.failExports.has(this.id)) throw new Error('export failed (fake)');
        // ExportSettingsImage.useAbsoluteBounds: "Use the full dimensions of the node regardless
        // of whether or not it is cropped or the space around it is empty." Otherwise Figma
        // exports what is rendered: absoluteRenderBounds.
        const region = settings.useAbsoluteBounds ? this.absoluteBoundingBox : this.absoluteRenderBounds;
        if (!region) throw new Error('Failed to export: the node has nothing to render');
        const size = exportPixels(region, settings);
        // JPG has no alpha channel: what PNG leaves transparent is flattened (render.ts).
        if (settings.format === 'JPG') return encodePng(size.width, size.height, ownPaint(this, size.width, size.height));
        return encodePngRgba(size.width, size.height, renderLayer(this, region, size.width, size.height));
      };
    }
    hooks.register(this);
  }

  // ---- position and size (derived for groups and boolean operations) ----

  /** The nearest ancestor whose space this layer's x/y/relativeTransform are in. */
  get coordinateContainer(): FakeSceneNode | FakePage | null {
    let p = this.parent;
    while (p instanceof FakeSceneNode && isDerived(p.type)) p = p.parent;
    return p;
  }

  /** Children's boxes in the shared container space (the derived layer's own box). */
  private derivedBox(): Box {
    const boxes = this.childList.map((c) => boundsUnder(c.relativeTransform, { x: 0, y: 0, width: c.width, height: c.height }));
    return union(boxes) ?? { x: this.ownX, y: this.ownY, width: 0, height: 0 };
  }

  get x(): number {
    return isDerived(this.type) ? this.derivedBox().x : this.ownX;
  }
  set x(value: number) {
    if (isDerived(this.type)) for (const c of this.childList) c.x += value - this.x;
    else this.ownX = value;
  }
  get y(): number {
    return isDerived(this.type) ? this.derivedBox().y : this.ownY;
  }
  set y(value: number) {
    if (isDerived(this.type)) for (const c of this.childList) c.y += value - this.y;
    else this.ownY = value;
  }
  get width(): number {
    return isDerived(this.type) ? this.derivedBox().width : this.ownWidth;
  }
  get height(): number {
    return isDerived(this.type) ? this.derivedBox().height : this.ownHeight;
  }
  get rotation(): number {
    return isDerived(this.type) ? 0 : this.ownRotation;
  }
  set rotation(value: number) {
    this.ownRotation = value;
  }

  get relativeTransform(): Matrix {
    return transformOf(this.x, this.y, this.rotation);
  }
  /** "The transform always has unit axes" (relativeTransform, Scale): anything else is refused. */
  set relativeTransform(m: Matrix) {
    const unit = (a: number, b: number) => Math.abs(Math.hypot(a, b) - 1) < 1e-6;
    if (!unit(m[0][0], m[1][0]) || !unit(m[0][1], m[1][1])) throw new Error('relativeTransform must have unit axes; use resize() to size a layer');
    this.ownRotation = (Math.atan2(-m[1][0], m[0][0]) * 180) / Math.PI;
    this.x = m[0][2];
    this.y = m[1][2];
  }

  /** "The position of a node relative to its containing page as a Transform matrix." */
  get absoluteTransform(): Matrix {
    const container = this.coordinateContainer;
    const outer = container instanceof FakeSceneNode ? container.absoluteTransform : IDENTITY;
    return multiply(outer, this.relativeTransform);
  }

  /** "The bounds of the node that does not include rendered properties like drop shadows or strokes." */
  get absoluteBoundingBox(): Box {
    const container = this.coordinateContainer;
    const outer = container instanceof FakeSceneNode ? container.absoluteTransform : IDENTITY;
    if (isDerived(this.type)) return boundsUnder(outer, this.derivedBox());
    return boundsUnder(this.absoluteTransform, { x: 0, y: 0, width: this.width, height: this.height });
  }

  /**
   * "The actual bounds of a node accounting for drop shadows, thick strokes, and anything else
   * that may fall outside the node's regular bounding box … null if the node is invisible."
   * Children outside a frame count unless the frame clips its content.
   */
  get absoluteRenderBounds(): Box | null {
    if (!this.visible) return null;
    const children = union(this.childList.map((c) => c.absoluteRenderBounds));
    if (isDerived(this.type)) return children;
    const box: Box = { x: 0, y: 0, width: this.width, height: this.height };
    const stroke = this.strokeAlign === 'OUTSIDE' ? this.strokeWeight : this.strokeAlign === 'CENTER' ? this.strokeWeight / 2 : 0;
    const body = this.ink ?? grow(box, stroke);
    const shadows = this.effects.map((e) => grow({ ...body, x: body.x + e.offset.x, y: body.y + e.offset.y }, e.radius + (e.spread ?? 0)));
    const own = boundsUnder(this.absoluteTransform, union([body, ...shadows])!);
    const shown = this.clipsContent ? intersect(children, boundsUnder(this.absoluteTransform, box)) : children;
    return union([own, shown]);
  }

  /**
   * Empty for leaf layers (insertChild still refuses them), so any layer can be typed as a
   * parent. With skipInvisibleInstanceChildren, invisible layers inside instances are left out.
   */
  get children(): ReadonlyArray<FakeSceneNode> {
    return this.hooks.skipInvisibleInstanceChildren() ? this.childList.filter((c) => !skippedInInstance(c, this.hooks)) : this.childList;
  }

  /** The relaunch buttons this plugin id put on the layer. */
  get relaunchData(): { [command: string]: string } {
    return this.relaunchStore.current;
  }

  /**
   * setRelaunchData: "This method will throw if description exceeds 1000 characters"
   * (plugin-api.d.ts 1.142, BaseNodeMixin.setRelaunchData, @param description).
   */
  setRelaunchData(data: { [command: string]: string }): void {
    for (const description of Object.values(data)) {
      if (description.length > 1000) throw new Error('relaunch description exceeds 1000 characters');
    }
    this.relaunchStore.current = { ...data };
  }

  /** getRelaunchData: what this plugin id set with setRelaunchData (plugin-api.d.ts, BaseNodeMixin.getRelaunchData). */
  getRelaunchData(): { [command: string]: string } {
    return { ...this.relaunchStore.current };
  }

  resize(width: number, height: number): void {
    if (!(width >= 0.01 && height >= 0.01)) throw new Error('resize: width and height must be >= 0.01');
    if (isDerived(this.type)) throw new Error('resize: a group or boolean operation is sized by its children');
    this.ownWidth = width;
    this.ownHeight = height;
  }

  remove(): void {
    detach(this);
    this.removed = true;
    for (const child of [...this.childList]) child.remove();
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

function insertInto(parent: FakeSceneNode | FakePage, index: number, child: HostSceneNode, enforceRules = true): void {
  if (!(child instanceof FakeSceneNode)) throw new Error('insertChild: not a node of this document');
  if (parent instanceof FakeSceneNode && !parent.isContainer) throw new Error(`insertChild: a ${parent.type} has no children`);
  // ChildrenMixin.insertChild: on a page, "you must first call PageNode.loadAsync".
  if (enforceRules && parent instanceof FakePage) parent.requireLoaded('insertChild');
  if (enforceRules && parent instanceof FakeSceneNode) {
    if (parent.type === 'INSTANCE' || insideInstance(parent)) {
      throw new Error('Cannot move node. New parent is an instance or is inside of an instance');
    }
    // combineAsVariants: a component set "must consist of only component nodes"; an empty or
    // mixed one "is not supported in Figma" (plugin-api.d.ts, PluginAPI.combineAsVariants).
    if (parent.type === 'COMPONENT_SET' && child.type !== 'COMPONENT') {
      throw new Error('Cannot move node. A component set can only contain components');
    }
  }
  const list = parent.childList;
  // insertChild: "insertChild(4, D) throws an error since the group originally only has 3 children".
  const limit = child.parent === parent ? list.length - 1 : list.length;
  if (enforceRules && (index < 0 || index > limit)) throw new Error(`insertChild: index ${index} is out of range 0…${limit}`);
  detach(child);
  list.splice(Math.max(0, Math.min(index, list.length)), 0, child);
  child.parent = parent;
}

function insideInstance(node: FakeSceneNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'INSTANCE') return true;
  return false;
}

/**
 * figma.skipInvisibleInstanceChildren: "it will not be possible to access invisible nodes (and
 * their descendants) inside instances … children and methods such as findAll will exclude
 * these nodes" (plugin-api.d.ts, PluginAPI.skipInvisibleInstanceChildren).
 */
export function skippedInInstance(node: FakeSceneNode, hooks: FakeDocumentHooks): boolean {
  if (!hooks.skipInvisibleInstanceChildren()) return false;
  for (let n: FakeSceneNode | FakePage | null = node; n instanceof FakeSceneNode; n = n.parent) {
    if (!n.visible && insideInstance(n)) return true;
  }
  return false;
}

/** FindAllCriteria's `types` (its plugin-data criteria are not modelled: Atelier does not use them). */
export interface FakeFindCriteria {
  types?: ReadonlyArray<string>;
}

/** figma.root: its pages, and plugin data kept with the file (per plugin id, like a layer's). */
export class FakeDocument extends FakePluginData implements HostDocument {
  readonly id = '0:0';
  readonly type = 'DOCUMENT' as const;
  name = 'Untitled';
  readonly children: FakePage[] = [];
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
    private readonly hooks: FakeDocumentHooks,
    public name: string,
    loaded: boolean,
    private readonly onSelectionChange: (page: FakePage) => void,
  ) {
    this.id = hooks.nextId();
    this.loaded = loaded;
    hooks.register(this);
  }

  /**
   * With `"documentAccess": "dynamic-page"`, a page's `children`, `findAll`, `insertChild`…
   * need `PageNode.loadAsync` first (ChildrenMixin doc comments); Figma throws otherwise.
   */
  requireLoaded(member: string): void {
    if (!this.loaded) throw new Error(`Cannot access ${member} on page "${this.name}": call "await page.loadAsync()" first (documentAccess: dynamic-page)`);
  }

  get children(): ReadonlyArray<FakeSceneNode> {
    this.requireLoaded('children');
    return this.childList.filter((c) => !skippedInInstance(c, this.hooks));
  }

  setSelection(nodes: FakeSceneNode[]): void {
    this.selection = nodes;
    this.onSelectionChange(this);
  }

  insertChild(index: number, child: HostSceneNode): void {
    insertInto(this, index, child);
  }

  /** Test-side document building, allowed on pages that the plugin has not loaded yet. */
  appendChild(child: FakeSceneNode): void {
    insertInto(this, this.childList.length, child, false);
  }

  /** Pre-order, back to front (ChildrenMixin.findAll); every node reached is handed to the callback. */
  findAll(callback?: (node: HostSceneNode) => boolean): FakeSceneNode[] {
    this.requireLoaded('findAll');
    const out: FakeSceneNode[] = [];
    this.walk((n) => {
      this.hooks.traversal.toPlugin++;
      if (!callback || callback(n)) out.push(n);
    });
    return out;
  }

  /**
   * ChildrenMixin.findAllWithCriteria: the same order as findAll, matched in the editor; only
   * the matches reach plugin code. Needs loadAsync on a page like findAll.
   */
  findAllWithCriteria(criteria: FakeFindCriteria): FakeSceneNode[] {
    this.requireLoaded('findAllWithCriteria');
    const out: FakeSceneNode[] = [];
    this.walk((n) => {
      if (criteria.types && !criteria.types.includes(n.type)) return;
      this.hooks.traversal.toPlugin++;
      out.push(n);
    });
    return out;
  }

  private walk(visit: (node: FakeSceneNode) => void): void {
    const step = (nodes: ReadonlyArray<FakeSceneNode>) => {
      for (const n of nodes) {
        if (skippedInInstance(n, this.hooks)) continue;
        this.hooks.traversal.walked++;
        visit(n);
        step(n.childList);
      }
    };
    step(this.childList);
  }

  async loadAsync(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0)); // an editor round trip (fake-figma.ts)
    this.loadCount++;
    this.loaded = true;
  }
}

export type { NodeType };
