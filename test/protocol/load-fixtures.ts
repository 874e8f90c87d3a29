import { readdirSync, readFileSync } from 'node:fs';
import { invalidFixtureSchema, validFixtureSchema, type InvalidFixture, type ValidFixture } from '../../protocol/index.ts';

const FIXTURES = new URL('../../protocol/fixtures/', import.meta.url);

function readDir<T>(dir: string, parse: (raw: unknown) => T): Array<{ name: string; fixture: T }> {
  const url = new URL(`${dir}/`, FIXTURES);
  return readdirSync(url)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, fixture: parse(JSON.parse(readFileSync(new URL(name, url), 'utf8'))) }));
}

/** The contract fixtures, validated against the fixture schema (a broken fixture fails loudly). */
export function loadValidFixtures(): Array<{ name: string; fixture: ValidFixture }> {
  return readDir('valid', (raw) => validFixtureSchema.parse(raw));
}

export function loadInvalidFixtures(): Array<{ name: string; fixture: InvalidFixture }> {
  return readDir('invalid', (raw) => invalidFixtureSchema.parse(raw));
}
