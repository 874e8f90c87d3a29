/**
 * A strict reader of XML property lists, to check the Info.plist the packager writes without
 * macOS' plutil. It accepts only what Apple's DTD allows (PropertyList-1.0.dtd: plist, dict,
 * key, array, string, data, date, integer, real, true, false) and refuses what CoreFoundation's
 * parser refuses: another root, a dict whose keys and values do not alternate, a key twice, an
 * unknown element, text outside string/key, an undefined entity.
 */
export type PlistValue = string | number | boolean | Date | Uint8Array | PlistValue[] | { [key: string]: PlistValue };

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>';
const DOCTYPE = '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">';
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(text: string): string {
  return text.replace(/&([^;]*);|&/g, (match, name: string | undefined) => {
    if (name === undefined) throw new Error('a bare & in text');
    if (name in ENTITIES) return ENTITIES[name]!;
    const numeric = /^#(x[0-9a-fA-F]+|\d+)$/.exec(name);
    if (numeric) return String.fromCodePoint(Number(numeric[1]!.startsWith('x') ? `0${numeric[1]}` : numeric[1]));
    throw new Error(`undefined entity ${match}`);
  });
}

type Token = { kind: 'open' | 'close' | 'empty'; name: string; attrs: string } | { kind: 'text'; text: string };

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  for (const match of body.matchAll(/<(\/?)([A-Za-z]+)([^>]*?)(\/?)>|([^<]+)|(<)/g)) {
    if (match[6]) throw new Error('a < that starts no element');
    if (match[5] !== undefined) {
      tokens.push({ kind: 'text', text: match[5] });
      continue;
    }
    const kind = match[1] ? 'close' : match[4] ? 'empty' : 'open';
    tokens.push({ kind, name: match[2]!, attrs: match[3]!.trim() });
  }
  return tokens;
}

export function parsePlist(xml: string): PlistValue {
  let rest = xml.replace(/^\uFEFF/, '');
  if (!rest.startsWith(PROLOG)) throw new Error('no XML declaration with UTF-8');
  rest = rest.slice(PROLOG.length).trimStart();
  if (!rest.startsWith(DOCTYPE)) throw new Error("not Apple's plist DOCTYPE");
  rest = rest.slice(DOCTYPE.length);
  const tokens = tokenize(rest).filter((t) => !(t.kind === 'text' && t.text.trim() === ''));
  let i = 0;
  const next = (): Token => {
    const token = tokens[i++];
    if (!token) throw new Error('the document ends early');
    return token;
  };
  const textUntilClose = (name: string): string => {
    let token = next();
    let text = '';
    if (token.kind === 'text') {
      text = decodeText(token.text);
      token = next();
    }
    if (token.kind !== 'close' || token.name !== name) throw new Error(`<${name}> holds more than text`);
    return text;
  };
  const value = (token: Token): PlistValue => {
    if (token.kind === 'text') throw new Error(`text outside a value: ${JSON.stringify(token.text.trim())}`);
    if (token.kind === 'close') throw new Error(`unexpected </${token.name}>`);
    if (token.attrs) throw new Error(`<${token.name}> takes no attributes`);
    if (token.kind === 'empty') {
      if (token.name === 'true') return true;
      if (token.name === 'false') return false;
      if (token.name === 'string') return '';
      if (token.name === 'dict') return {};
      if (token.name === 'array') return [];
      throw new Error(`<${token.name}/> is not a plist value`);
    }
    switch (token.name) {
      case 'string':
        return textUntilClose('string');
      case 'integer': {
        const text = textUntilClose('integer').trim();
        if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(text)) throw new Error(`<integer>${text}</integer>`);
        return Number(text);
      }
      case 'real': {
        const text = textUntilClose('real').trim();
        if (!Number.isFinite(Number(text)) || text === '') throw new Error(`<real>${text}</real>`);
        return Number(text);
      }
      case 'date': {
        const text = textUntilClose('date').trim();
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) throw new Error(`<date>${text}</date>`);
        return new Date(text);
      }
      case 'data':
        return new Uint8Array(Buffer.from(textUntilClose('data').replace(/\s+/g, ''), 'base64'));
      case 'array': {
        const items: PlistValue[] = [];
        for (let t = next(); !(t.kind === 'close' && t.name === 'array'); t = next()) items.push(value(t));
        return items;
      }
      case 'dict': {
        const dict: { [key: string]: PlistValue } = {};
        for (let t = next(); !(t.kind === 'close' && t.name === 'dict'); t = next()) {
          if (t.kind !== 'open' || t.name !== 'key' || t.attrs) throw new Error('a dict entry that does not start with <key>');
          const key = textUntilClose('key');
          if (Object.hasOwn(dict, key)) throw new Error(`the key ${key} twice`);
          dict[key] = value(next());
        }
        return dict;
      }
      default:
        throw new Error(`<${token.name}> is not a plist element`);
    }
  };
  const root = next();
  if (root.kind !== 'open' || root.name !== 'plist' || root.attrs !== 'version="1.0"') throw new Error('the root is not <plist version="1.0">');
  const result = value(next());
  const end = next();
  if (end.kind !== 'close' || end.name !== 'plist') throw new Error('more than one value in <plist>');
  if (i !== tokens.length) throw new Error('content after </plist>');
  return result;
}
