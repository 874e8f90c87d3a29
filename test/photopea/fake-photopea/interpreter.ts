/**
 * Runs a plugin script the way Photopea does: not as the browser's JavaScript but by walking
 * acorn's syntax tree with Photopea's own small interpreter. Modelled on the public copy of
 * Photopea's shipped code (repository ZangEdward/www.photopea.com, code/pp/pp.js, Feb 2024):
 * `fx.ly` (entry), `fx.eval` (statements and most expressions), `fx.wA` / `fx.atJ` (names),
 * `fx.Tx` / `fx.aE2` (operators). The Photoshop-like objects (`fx.NE.Pm` / `fx.NE.nV` /
 * `fx.NE.aiW`) are the `PhotopeaDom` handed in (dom.ts).
 *
 * Photopea replaced that engine on 2025-08-30 (photopea/photopea#8113) with another of its own
 * (#8625). Scripts must run in both, so where the two may differ this fake takes the stricter
 * side and refuses (a `ScriptCrash`, which in Photopea means no "done": see `fx.ly`'s caller,
 * `window.onmessage`, which posts "done" only after the script returned). Each rule below is
 * tagged where it is applied: [pp.js fx.eval: …] for what the old engine does, [refused: …] for
 * what this fake refuses because one of the engines does not do what JavaScript would.
 */
import { parse } from 'acorn';

/** The script stopped: in Photopea an exception out of `fx.eval`, so no "done" is posted. */
export class ScriptCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptCrash';
  }
}

/**
 * A DOM read or call that sets pp.js's `__throw` flag instead of answering (fx.NE.Pm "Selection"
 * "bounds" with no selection: `H.__throw={message:"no selection"}`; fx.NE.nV "Layers"
 * "getByName": `B.__throw={message:…}`). Unlike a ScriptCrash it is catchable: pp.js's
 * TryStatement runs the handler with `__throw` as its parameter; outside a `try` every
 * enclosing block ends (`if(G.__return||G.__break||G.__throw)return`) and the script stops
 * quietly, "done" still posted. The flag lives in the calling function's own copy of the
 * variables (a callee's flag is not copied back), so the `try` must be in that function.
 */
export class DomThrow extends Error {
  constructor(readonly value: { message: string }) {
    super(value.message);
    this.name = 'DomThrow';
  }
}

/** A Photoshop-like object as pp.js passes them around: `{M: kind, P: payload}` (fx.NE.Pm). */
export interface DomObject {
  readonly M: string;
  readonly P: unknown;
}

/** The Photoshop DOM the interpreter talks to (fx.NE.Pm = get, fx.NE.nV = call, fx.NE.aiW = set). */
export interface PhotopeaDom {
  app(): DomObject;
  get(target: DomObject, name: string | number): unknown;
  call(target: DomObject, name: string, args: unknown[]): unknown;
  set(target: DomObject, name: string, value: unknown): void;
}

export function isDom(value: unknown): value is DomObject {
  return typeof value === 'object' && value !== null && typeof (value as { M?: unknown }).M === 'string' && 'P' in value;
}

/** A UnitValue (`layer.bounds[i]`): pp.js `fx.NE.ri` returns `{M:"UnitValue", P:number}`. */
export function isUnitValue(value: unknown): value is DomObject & { P: number } {
  return isDom(value) && value.M === 'UnitValue';
}

/**
 * Constants every script sees: pp.js copies `fx.NE.Qe` into each run's environment (`fx.ly`),
 * with these numbers. Only those the fake's DOM models are listed; others are refused as
 * unknown names.
 */
export const PHOTOPEA_CONSTANTS = {
  AnchorPosition: { TOPLEFT: 0, TOPCENTER: 1, TOPRIGHT: 2, MIDDLELEFT: 3, MIDDLECENTER: 4, MIDDLERIGHT: 5, BOTTOMLEFT: 6, BOTTOMCENTER: 7, BOTTOMRIGHT: 8 },
  ElementPlacement: { INSIDE: 0, PLACEATBEGINNING: 1, PLACEATEND: 2, PLACEBEFORE: 3, PLACEAFTER: 4 },
  SaveOptions: { DONOTSAVECHANGES: 0, PROMPTTOSAVECHANGES: 1, SAVECHANGES: 2 },
  DocumentFill: { WHITE: 0, TRANSPARENT: 1, BACKGROUNDCOLOR: 2 },
} as const;

/**
 * Browser globals a script may use. pp.js `fx.atJ` falls back to `window[name]` for any name
 * not in `fx.Zf`; the new engine is its own (#8625), so only ES built-ins that both surely
 * have are let through [refused: other window globals].
 */
const BUILTINS: Record<string, unknown> = { JSON, Math, String, Number, parseInt, parseFloat, isNaN, isFinite };

/** A function the script declared: pp.js keeps the FunctionDeclaration node itself in the environment. */
class UserFunction {
  constructor(readonly node: N) {}
}

// acorn's nodes, walked generically (the interpreter reads whichever fields each type has).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type N = { type: string; [key: string]: any };

/**
 * One environment. pp.js uses ONE flat object per call (`G`): variables and the flags
 * `__return`, `__break`, `__continue`, `__throw`, `__pif`, plus a shared `__window` for
 * assignments to undeclared names. A call copies every key of the caller's object (`v[Z]=G[Z]`).
 */
interface Env {
  vars: Record<string, unknown>;
  ret: boolean;
  brk: boolean;
  thr: unknown;
  pif: boolean | null;
}

function copyEnv(env: Env): Env {
  // [pp.js fx.eval CallExpression: `for(var Z in G)v[Z]=G[Z]`] the callee sees a COPY of the
  // caller's variables and flags: no closures, writes to outer variables are lost, and a call
  // made inside a `return` argument starts with `__return` already set.
  return { vars: { ...env.vars }, ret: env.ret, brk: env.brk, thr: env.thr, pif: env.pif };
}

export interface RunResult {
  ok: boolean;
  /** Why it stopped, when it crashed. */
  crash?: string;
}

/**
 * Runs `source` against `dom`. A syntax error is not a crash in Photopea: `fx.ly` catches
 * acorn's error, logs it and returns, so "done" still comes (with no output).
 */
export function runPhotopeaScript(source: string, dom: PhotopeaDom): RunResult {
  // [pp.js fx.ly] lines whose first non-blank character is "#" are blanked before parsing.
  const lines = source.split('\n');
  const text = (lines.length === 1 ? source.split('\r') : lines).map((l) => (l.trim().startsWith('#') ? '' : l)).join('\n');
  let program: N;
  try {
    program = parse(text, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as N;
  } catch {
    return { ok: true };
  }
  const env: Env = { vars: structuredClone(PHOTOPEA_CONSTANTS) as unknown as Record<string, unknown>, ret: false, brk: false, thr: false, pif: null };
  try {
    new Interpreter(dom).exec(program, env);
    return { ok: true };
  } catch (error) {
    return { ok: false, crash: error instanceof Error ? error.message : String(error) };
  }
}

function crash(message: string): never {
  throw new ScriptCrash(message);
}

class Interpreter {
  constructor(private readonly dom: PhotopeaDom) {}

  /** [pp.js fx.wA] an Identifier is looked up; everything else goes through fx.eval. */
  value(node: N | null, env: Env): unknown {
    if (node === null || node === undefined) crash('a missing expression (pp.js fx.wA reads `null.type`)');
    return node.type === 'Identifier' ? this.lookup(node.name as string, env) : this.exec(node, env);
  }

  /** [pp.js fx.atJ] how a name is resolved. */
  lookup(name: string, env: Env): unknown {
    if (name === 'undefined') return undefined;
    if (Object.hasOwn(env.vars, name)) return env.vars[name];
    if (name === 'app') return this.dom.app();
    if (Object.hasOwn(BUILTINS, name)) return BUILTINS[name];
    // [refused: unknown names] pp.js defines them as null and goes on (`G[b]=null`); a JavaScript
    // engine throws ReferenceError. Bare `activeDocument`/`documents` (fx.NE.a8f) and
    // `executeAction`-style functions (fx.NE.acg) are Photopea-only shortcuts: refused too.
    return crash(`“${name}” is not defined`);
  }

  exec(node: N | null, env: Env): unknown {
    if (node === null || node === undefined) crash('a missing statement (pp.js fx.eval reads `null.type`: for(;;) and for without a test or update crash)');
    switch (node.type) {
      case 'Program':
      case 'BlockStatement':
        return this.block(node.body as N[], env);
      case 'ReturnStatement':
        // [pp.js fx.eval ReturnStatement] the flag is set BEFORE the argument is evaluated.
        env.ret = true;
        return node.argument ? this.value(node.argument, env) : null;
      case 'BreakStatement':
        if (node.label) crash('labelled break (pp.js ignores labels)');
        env.brk = true;
        return undefined;
      case 'ContinueStatement':
        // [refused: continue] pp.js ends the enclosing block on `continue` only outside an `if`
        // (`G.__continue&&G.__pif==null`); photopea/photopea#5112 and #3048 are reports of it.
        return crash('continue (Photopea\'s interpreter does not continue loops reliably: photopea/photopea#5112)');
      case 'VariableDeclaration':
        if (node.kind !== 'var') crash(`${node.kind as string} declarations (Photoshop scripts are ES3; use var)`);
        for (const declarator of node.declarations as N[]) this.exec(declarator, env);
        return undefined;
      case 'VariableDeclarator':
        if (node.id.type !== 'Identifier') crash('destructuring');
        // [pp.js fx.eval VariableDeclarator] `var x;` makes x null, not undefined.
        env.vars[node.id.name as string] = node.init ? this.value(node.init, env) : null;
        return undefined;
      case 'FunctionDeclaration':
        env.vars[node.id.name as string] = new UserFunction(node);
        return undefined;
      case 'ExpressionStatement':
        return this.exec(node.expression, env);
      case 'EmptyStatement':
        return undefined;
      case 'ThrowStatement':
        // [pp.js fx.eval: no ThrowStatement case] `throw` is logged and skipped: the script goes on.
        return undefined;
      case 'TryStatement':
        return this.tryStatement(node, env);
      case 'IfStatement': {
        const test = this.value(node.test, env);
        const saved = env.pif;
        env.pif = true;
        let result: unknown = null;
        if (test) result = this.exec(node.consequent, env);
        else if (node.alternate) result = this.exec(node.alternate, env);
        env.pif = saved;
        return result;
      }
      case 'ConditionalExpression':
        return this.value(node.test, env) ? this.value(node.consequent, env) : this.value(node.alternate, env);
      case 'ForStatement':
        return this.forStatement(node, env);
      case 'WhileStatement':
      case 'DoWhileStatement':
        return this.whileStatement(node, env);
      case 'ForInStatement':
        return this.forIn(node, env);
      case 'MemberExpression':
        return this.member(node, env);
      case 'ArrayExpression':
        return (node.elements as (N | null)[]).map((element) => {
          if (element === null) crash('an array hole (pp.js fx.wA reads `null.type`)');
          if (element.type === 'SpreadElement') crash('spread');
          return this.value(element, env);
        });
      case 'ObjectExpression': {
        const out: Record<string, unknown> = {};
        for (const property of node.properties as N[]) {
          if (property.type !== 'Property' || property.kind !== 'init' || property.computed || property.method || property.shorthand) crash('only `key: value` properties (pp.js fx.eval ObjectExpression)');
          out[(property.key.name ?? String(property.key.value)) as string] = this.value(property.value, env);
        }
        return out;
      }
      case 'NewExpression':
        return this.newExpression(node, env);
      case 'CallExpression':
        return this.call(node, env);
      case 'AssignmentExpression':
        return this.assign(node, env);
      case 'Identifier':
        // [pp.js fx.eval Identifier] evaluated as a statement or a loop test, a name is its own
        // NAME (a truthy string); only fx.wA looks it up. Loop tests are refused below.
        return node.name;
      case 'Literal':
        return node.value;
      case 'UpdateExpression':
        return this.update(node, env);
      case 'UnaryExpression':
        return this.unary(node, env);
      case 'BinaryExpression':
      case 'LogicalExpression':
        return this.binary(node, env);
      default:
        // [refused: everything else] pp.js logs the node and yields undefined (switch, this,
        // function expressions as values, sequences, labels, with, …): the script silently
        // does something else than written.
        return crash(`${node.type} is not run by Photopea's interpreter (pp.js fx.eval has no case for it)`);
    }
  }

  private block(body: N[], env: Env): unknown {
    // [pp.js fx.eval Program/BlockStatement] function declarations are hoisted first.
    for (const statement of body) if (statement.type === 'FunctionDeclaration') env.vars[statement.id.name as string] = new UserFunction(statement);
    let result: unknown;
    for (const statement of body) {
      result = this.exec(statement, env);
      if (env.ret || env.brk || env.thr) return result;
    }
    return result;
  }

  private tryStatement(node: N, env: Env): unknown {
    // [pp.js fx.eval TryStatement] the block runs; the handler runs only when a DOM call set
    // `__throw` (a JavaScript error inside escapes the interpreter: no "done"); `finalizer` is
    // never looked at: a `finally` block never runs.
    this.exec(node.block, env);
    if (env.thr) {
      const handler = node.handler as N | null;
      if (!handler) crash('try without catch (pp.js reads `handler.param` of null)');
      const name = handler.param.name as string;
      env.vars[name] = env.thr;
      env.thr = false;
      this.exec(handler.body, env);
      delete env.vars[name];
    }
    return undefined;
  }

  private loopTest(node: N | null, env: Env): boolean {
    if (node === null) crash('a loop without a test (pp.js fx.eval reads `null.type`)');
    // [pp.js fx.eval ForStatement/WhileStatement: `while(fx.eval(b.test,…))`] the test is not
    // looked up through fx.wA: `while (x)` tests the string "x" and never ends.
    if (node.type === 'Identifier') crash(`a bare name as a loop test (pp.js evaluates \`${node.name as string}\` to its name: the loop never ends)`);
    return Boolean(this.exec(node, env));
  }

  private forStatement(node: N, env: Env): unknown {
    this.exec(node.init, env);
    while (this.loopTest(node.test, env)) {
      const result = this.exec(node.body, env);
      if (env.brk) break;
      if (env.ret) return result;
      this.exec(node.update, env);
    }
    env.brk = false;
    return undefined;
  }

  private whileStatement(node: N, env: Env): unknown {
    if (node.type === 'DoWhileStatement') {
      do {
        const result = this.exec(node.body, env);
        if (env.brk) break;
        if (env.ret) return result;
      } while (this.loopTest(node.test, env));
    } else {
      while (this.loopTest(node.test, env)) {
        const result = this.exec(node.body, env);
        if (env.brk) break;
        if (env.ret) return result;
      }
    }
    env.brk = false;
    return undefined;
  }

  private forIn(node: N, env: Env): unknown {
    // [pp.js fx.eval ForInStatement] the left side must be `var k`.
    if (node.left.type !== 'VariableDeclaration') crash('for (k in …) without var (pp.js reads `left.declarations[0]`)');
    this.exec(node.left, env);
    const key = node.left.declarations[0].id.name as string;
    const object = this.value(node.right, env);
    // [refused: for…in over Photoshop objects] pp.js would walk the wrapper's own keys (M, P).
    if (isDom(object)) crash('for…in over a Photoshop object');
    for (const k in object as object) {
      env.vars[key] = k;
      const result = this.exec(node.body, env);
      if (env.brk) break;
      if (env.ret) return result;
    }
    env.brk = false;
    return undefined;
  }

  private propertyName(node: N, env: Env): string | number {
    // [pp.js fx.eval MemberExpression] `a.b` names "b"; `a[x]` looks x up (fx.wA).
    const key = node.computed ? this.value(node.property, env) : (node.property.name as string);
    if (typeof key !== 'string' && typeof key !== 'number') crash(`a property key of type ${typeof key}`);
    return key;
  }

  private member(node: N, env: Env): unknown {
    const object = this.value(node.object, env);
    if (env.thr) return undefined;
    const key = this.propertyName(node, env);
    if (object === null || object === undefined) crash(`reading “${String(key)}” of ${String(object)} (pp.js reads \`.M\` of it)`);
    if (isDom(object)) return this.domStep(env, () => this.dom.get(object, key));
    if (object instanceof UserFunction) crash('a property of a function');
    return (object as Record<string | number, unknown>)[key];
  }

  /** A DOM step that may set `__throw` (DomThrow): the flag is set and the step yields undefined. */
  private domStep(env: Env, step: () => unknown): unknown {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof DomThrow)) throw error;
      env.thr = error.value;
      return undefined;
    }
  }

  private call(node: N, env: Env): unknown {
    const callee = node.callee as N;
    // [pp.js fx.eval CallExpression] every argument is evaluated first.
    const args = (node.arguments as N[]).map((a) => {
      if (a.type === 'SpreadElement') crash('spread');
      return this.value(a, env);
    });
    // [refused: passing a function] pp.js holds functions as syntax nodes, which no built-in can call.
    if (args.some((a) => a instanceof UserFunction)) crash('a function passed as an argument (Photopea\'s interpreter keeps functions as syntax nodes)');
    if (callee.type === 'Identifier') {
      const name = callee.name as string;
      const fn = Object.hasOwn(env.vars, name) ? env.vars[name] : undefined;
      if (fn instanceof UserFunction) {
        const inner = copyEnv(env);
        const params = fn.node.params as N[];
        params.forEach((param, i) => {
          if (param.type !== 'Identifier') crash('only plain parameters');
          inner.vars[param.name as string] = args[i];
        });
        return this.exec(fn.node.body, inner);
      }
      if (typeof fn === 'function') return (fn as (...a: unknown[]) => unknown)(...args);
      const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
      if (typeof builtin === 'function') return (builtin as (...a: unknown[]) => unknown).apply(globalThis, args);
      // [refused: unknown functions] pp.js logs "Unknown function" and goes on with undefined.
      return crash(`“${name}” is not a function Photopea knows`);
    }
    if (callee.type === 'MemberExpression') {
      const object = this.value(callee.object, env);
      const key = this.propertyName(callee, env);
      if (object === null || object === undefined) crash(`calling “${String(key)}” on ${String(object)}`);
      if (isDom(object)) return this.domStep(env, () => this.dom.call(object, String(key), args));
      const method = (object as Record<string | number, unknown>)[key];
      // [pp.js fx.eval CallExpression: `Q[a].apply(Q,o)`] only real functions can be called this way.
      if (typeof method !== 'function') crash(`“${String(key)}” is not a method of ${Array.isArray(object) ? 'an array' : typeof object}`);
      if (key === 'sort' || key === 'toSource') crash(`${key} (pp.js special-cases it)`);
      return (method as (...a: unknown[]) => unknown).apply(object, args);
    }
    if (callee.type === 'FunctionExpression') {
      // [pp.js fx.eval CallExpression, FunctionExpression callee] an immediately called function
      // runs its body in the CALLER's environment, its arguments ignored: a `return` in it ends
      // the whole script, and parameters are never bound [refused: parameters].
      if ((callee.params as N[]).length > 0) crash('parameters of an immediately called function are not bound by Photopea');
      return this.exec(callee.body, env);
    }
    return crash(`calling a ${callee.type} (pp.js fx.eval logs it and goes on)`);
  }

  private newExpression(node: N, env: Env): unknown {
    const args = (node.arguments as N[]).map((a) => this.value(a, env));
    const name = node.callee.type === 'Identifier' ? (node.callee.name as string) : '';
    // [pp.js fx.eval NewExpression] `new Array` ignores its arguments [refused: with arguments];
    // other names go to fx.NE.arB, which knows SolidColor, UnitValue, save options…, and for
    // anything else `throw "new "+y`: `new Error(…)` crashes the script.
    if (name === 'Array' && args.length === 0) return [];
    if (name === 'UnitValue') return { M: 'UnitValue', P: args.length === 0 ? 0 : parseFloat(String(args[0])) };
    // [pp.js fx.NE.arB: `if(b=="SolidColor")B={M:b,P:[1,0,0,0]}`] black, its channels 0..1 after
    // a leading 1; arguments ignored [refused: with arguments].
    if (name === 'SolidColor' && args.length === 0) return { M: 'SolidColor', P: [1, 0, 0, 0] };
    return crash(`new ${name || node.callee.type} is not supported by Photopea's interpreter (pp.js fx.NE.arB)`);
  }

  private assign(node: N, env: Env): unknown {
    const left = node.left as N;
    const operator = node.operator as string;
    // [pp.js fx.eval AssignmentExpression] the left side is READ first, also for `=`.
    const before = left.type === 'Identifier' && !Object.hasOwn(env.vars, left.name as string) ? crash(`assignment to the undeclared “${left.name as string}” (declare it with var)`) : this.value(left, env);
    const right = this.value(node.right, env);
    if (operator !== '=' && (isDom(before) || isDom(right))) crash(`${operator} with a Photoshop object (pp.js does not unwrap UnitValues in compound assignments)`);
    const ops: Record<string, (a: never, b: never) => unknown> = {
      '=': (_a, b) => b,
      '+=': (a, b) => a + b,
      '-=': (a, b) => a - b,
      '*=': (a, b) => a * b,
      '/=': (a, b) => a / b,
      '%=': (a, b) => a % b,
    };
    const op = ops[operator];
    if (!op) crash(`the operator ${operator}`);
    const result = op(before as never, right as never);
    if (left.type === 'Identifier') {
      env.vars[left.name as string] = result;
      return result;
    }
    if (left.type !== 'MemberExpression') crash('assignment to a pattern');
    // [pp.js fx.eval AssignmentExpression: `V=fx.eval(_.property…)`] the key of `a[x] = v` is
    // NOT looked up: it is the name "x" [refused: computed keys other than literals].
    if (left.computed && left.property.type !== 'Literal') crash('assignment to a[expression] (pp.js writes to the key named by the expression\'s text)');
    const key = left.computed ? (left.property.value as string | number) : (left.property.name as string);
    const target = this.value(left.object, env);
    if (target === null || target === undefined) crash(`setting “${String(key)}” of ${String(target)}`);
    if (isDom(target)) this.dom.set(target, String(key), result);
    else (target as Record<string | number, unknown>)[key] = result;
    return result;
  }

  private update(node: N, env: Env): unknown {
    // [pp.js fx.eval UpdateExpression] only a variable; when it is null it increments a window global.
    if (node.argument.type !== 'Identifier') crash(`${node.operator as string} on a property (pp.js reads \`argument.name\`)`);
    const name = node.argument.name as string;
    const value = this.value(node.argument, env);
    if (value === null || value === undefined || !Object.hasOwn(env.vars, name)) crash(`${node.operator as string} on “${name}”, which is not a number variable`);
    const next = (value as number) + (node.operator === '++' ? 1 : -1);
    env.vars[name] = next;
    return node.prefix ? next : value;
  }

  private unary(node: N, env: Env): unknown {
    const operator = node.operator as string;
    if (operator === 'typeof' && node.argument.type === 'Identifier' && !Object.hasOwn(env.vars, node.argument.name as string) && !['app', 'undefined'].includes(node.argument.name as string) && !Object.hasOwn(BUILTINS, node.argument.name as string)) {
      crash(`typeof an undeclared name (pp.js defines it as null: "object")`);
    }
    let value = this.value(node.argument, env);
    // [pp.js fx.eval UnaryExpression] a UnitValue is unwrapped: `typeof bounds[0]` is "number"
    // although the value is an object, and `-v` is minus its number.
    if (isUnitValue(value)) value = value.P;
    switch (operator) {
      case '-':
        return -(value as number);
      case '+':
        return value;
      case '!':
        return !value;
      case '~':
        return ~(value as number);
      case 'typeof':
        return value instanceof UserFunction ? 'object' : typeof value;
      default:
        // [pp.js fx.aE2] void and delete are not implemented.
        return crash(`the operator ${operator} (pp.js fx.aE2)`);
    }
  }

  private binary(node: N, env: Env): unknown {
    const operator = node.operator as string;
    // [pp.js fx.eval BinaryExpression/LogicalExpression] the right side is evaluated also when
    // the left decides `||` (fx.Tx computes `b||h` of two values). The old engine skipped the
    // right side of `&&` when the left was falsy; the issue reports neither short-circuits in
    // the engine Photopea runs now, so here neither does: `!l || l.name` reads `null.name`.
    let a = this.value(node.left, env);
    let b = this.value(node.right, env);
    if (a !== null && a !== undefined && b !== null && b !== undefined) {
      // [pp.js: `X.M=="UnitValue"&&k=="-"` returns `-(_-X.P)`] number − UnitValue comes out with
      // the wrong sign in the old engine [refused].
      if (!isUnitValue(a) && isUnitValue(b) && operator === '-') crash('number − UnitValue (pp.js returns it with the sign reversed: read .value first)');
      if (isUnitValue(a)) a = a.P;
      if (isUnitValue(b)) b = b.P;
      // [pp.js fx.Tx "=="] two Photoshop objects compare by what they wrap with ==, never with ===.
      if (isDom(a) && isDom(b) && (operator === '==' || operator === '!=')) crash(`${operator} between two Photoshop objects (pp.js compares their payloads; JavaScript their identity)`);
    }
    const x = a as never;
    const y = b as never;
    switch (operator) {
      case '+':
        return (x as number) + (y as number);
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        return x / y;
      case '%':
        return x % y;
      case '^':
        return x ^ y;
      case '&':
        return x & y;
      case '|':
        return x | y;
      case '&&':
        return x && y;
      case '||':
        return x || y;
      case '<':
        return x < y;
      case '>':
        return x > y;
      case '<=':
        return x <= y;
      case '>=':
        return x >= y;
      case '==':
        return x == y;
      case '!=':
        return x != y;
      case '===':
        return x === y;
      case '!==':
        return x !== y;
      case '<<':
        return x << y;
      case '>>':
        return x >> y;
      default:
        // [pp.js fx.Tx] in, instanceof, >>>, ?? are not implemented.
        return crash(`the operator ${operator} (pp.js fx.Tx)`);
    }
  }
}
