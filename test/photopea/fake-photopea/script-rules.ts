/**
 * What the fake Photopea refuses, so that a test cannot pass on a script the real one would
 * reject:
 * - syntax newer than ES5. Photopea runs plugin scripts as "Javascript" in a Photoshop-like
 *   model (photopea.com/learn/scripts), and the survey of Photopea plugins
 *   (burneikis/photopea-rembg, yankooliveira/sd-webui-photopea-embed) found old JavaScript
 *   only; the scripts are parsed here with acorn at ecmaVersion 5, which rejects let/const,
 *   arrows, template strings, classes, for…of, spread, default parameters and the rest.
 * - names Photopea does not document: every global the script reads and every property name
 *   it uses must be in the lists below, each with where it is documented.
 */
import { parse, type Node } from 'acorn';

/**
 * Globals a script may read without declaring them.
 * - app: photopea.com/learn/scripts ("There is a global object app").
 * - ElementPlacement, SaveOptions, AnchorPosition: the Photoshop JavaScript reference's
 *   constants (Photopea "provides an interface similar to Adobe's scripting interface",
 *   learn/scripts), used by the public plugins (photopea-rembg: ElementPlacement.INSIDE,
 *   SaveOptions.DONOTSAVECHANGES).
 * - JSON, Math, String, Number, parseInt, parseFloat, isNaN, undefined: ES5 built-ins (not Error:
 *   Photopea's interpreter cannot construct one, interpreter.ts).
 * - SolidColor: the Photoshop reference's colour class (`new SolidColor()`, `.rgb.red`), which
 *   pp.js fx.NE.arB constructs (`if(b=="SolidColor")B={M:b,P:[1,0,0,0]}`); Photopea's own
 *   Edit › Fill writes scripts with it (pp.js: "var c = new SolidColor();  c.rgb.red=…").
 */
export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'app',
  'ElementPlacement',
  'SaveOptions',
  'AnchorPosition',
  'JSON',
  'Math',
  'String',
  'Number',
  'parseInt',
  'parseFloat',
  'isNaN',
  'undefined',
  'SolidColor',
]);

/**
 * Property names a script may use (read, write or call).
 * Photopea's own (learn/scripts, api/live): saveToOE, echoToOE, open (App.open(url, as, asSmart)).
 * Photoshop DOM (Adobe's JavaScript reference, mirrored by Photopea per learn/scripts):
 *   Application: activeDocument, documents; Documents: add, length;
 *   Document: name, width, height, layers, activeLayer, close, typename;
 *   Layer/ArtLayer/LayerSet: name, bounds, visible, opacity, parent, layers, typename,
 *   duplicate, move, translate, resize, remove; UnitValue: value.
 * Constants' members: PLACEATBEGINNING, PLACEBEFORE, PLACEAFTER, INSIDE, DONOTSAVECHANGES, TOPLEFT.
 * Photopea's own Layer field (pp.js fx.NE.Pm "itemIndex"; Photoshop's ArtLayer.itemIndex): itemIndex.
 * ES5 built-ins' members the scripts need: length, push, slice, concat, join, stringify, parse,
 *   round, min, max.
 * Fields of the scripts' own records (walk() in photopea/scripts.ts): item, kind, path, box.
 * Selections and colours (issue 31; Photoshop reference: Document.selection, Document.artLayers,
 *   ArtLayers.add, Selection.bounds, Selection.fill, SolidColor.rgb, RGBColor.red/green/blue;
 *   each in pp.js fx.NE.Pm / fx.NE.nV / fx.NE.aiW): selection, artLayers, fill, rgb, red, green, blue.
 */
export const ALLOWED_PROPERTIES: ReadonlySet<string> = new Set([
  'saveToOE',
  'echoToOE',
  'open',
  'activeDocument',
  'documents',
  'add',
  'length',
  'name',
  'width',
  'height',
  'layers',
  'activeLayer',
  'close',
  'typename',
  'bounds',
  'visible',
  'opacity',
  'parent',
  'duplicate',
  'move',
  'translate',
  'resize',
  'remove',
  'value',
  'PLACEATBEGINNING',
  'PLACEBEFORE',
  'PLACEAFTER',
  'INSIDE',
  'DONOTSAVECHANGES',
  'TOPLEFT',
  'itemIndex',
  'item',
  'kind',
  'path',
  'box',
  'push',
  'slice',
  'concat',
  'join',
  'stringify',
  'parse',
  'round',
  'min',
  'max',
  'selection',
  'artLayers',
  'fill',
  'rgb',
  'red',
  'green',
  'blue',
]);

export type ScriptVerdict = { ok: true } | { ok: false; reason: string };

type AnyNode = Node & Record<string, unknown>;

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Names the script declares itself (var, function, parameters, catch): ES5 scoping is by function, so one set is enough to be strict. */
function declaredNames(root: AnyNode): Set<string> {
  const names = new Set<string>();
  const visit = (node: AnyNode): void => {
    if (node.type === 'VariableDeclarator' && isNode(node.id) && node.id.type === 'Identifier') names.add(node.id.name as string);
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && isNode(node.id)) names.add(node.id.name as string);
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
      for (const param of node.params as AnyNode[]) if (param.type === 'Identifier') names.add(param.name as string);
    }
    if (node.type === 'CatchClause' && isNode(node.param)) names.add(node.param.name as string);
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.filter(isNode).forEach(visit);
      else if (isNode(value)) visit(value);
    }
  };
  visit(root);
  return names;
}

/** Checks a script as Photopea would: ES5 syntax, documented names only. */
export function checkScript(source: string): ScriptVerdict {
  let ast: AnyNode;
  try {
    ast = parse(source, { ecmaVersion: 5, sourceType: 'script' }) as unknown as AnyNode;
  } catch (error) {
    return { ok: false, reason: `not ES5: ${(error as Error).message}` };
  }
  const declared = declaredNames(ast);
  const problems: string[] = [];
  const visit = (node: AnyNode, parent: AnyNode | null, key: string): void => {
    if (node.type === 'Identifier') {
      const name = node.name as string;
      const isPropertyName = parent !== null && ((parent.type === 'MemberExpression' && key === 'property' && !parent.computed) || (parent.type === 'Property' && key === 'key'));
      const isDeclaration = parent !== null && ((parent.type === 'VariableDeclarator' && key === 'id') || key === 'params' || (key === 'id' && parent.type.startsWith('Function')) || (parent.type === 'CatchClause' && key === 'param'));
      if (parent?.type === 'MemberExpression' && key === 'property' && !parent.computed) {
        if (!ALLOWED_PROPERTIES.has(name)) problems.push(`undocumented property “${name}”`);
      } else if (!isPropertyName && !isDeclaration && !declared.has(name) && !ALLOWED_GLOBALS.has(name)) {
        problems.push(`undocumented global “${name}”`);
      }
      return;
    }
    if (node.type === 'MemberExpression' && node.computed && isNode(node.property) && node.property.type === 'Literal' && typeof node.property.value === 'string') {
      if (!ALLOWED_PROPERTIES.has(node.property.value)) problems.push(`undocumented property “${node.property.value}”`);
    }
    if (node.type === 'WithStatement') problems.push('with statement');
    if (node.type === 'Identifier' || node.type === 'Literal') return;
    for (const [childKey, value] of Object.entries(node)) {
      if (Array.isArray(value)) for (const child of value) isNode(child) && visit(child, node, childKey);
      else if (isNode(value)) visit(value, node, childKey);
    }
  };
  visit(ast, null, '');
  return problems.length === 0 ? { ok: true } : { ok: false, reason: [...new Set(problems)].join(', ') };
}
