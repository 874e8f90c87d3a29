import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { pairName, parseQualityArgs, QualityUsageError } from '../../scripts/quality/quality-args.ts';
import { SHARED_IMAGES_DIR } from '../support/shared-data.ts';

const images = ['--images', SHARED_IMAGES_DIR];
const skip = existsSync(`${SHARED_IMAGES_DIR}/content/tubingen.jpg`) ? false : `the development images are absent (looked in ${SHARED_IMAGES_DIR})`;

test('the development set is 4 contents × 3 styles; flags after -- go to the one default variant', { skip }, () => {
  const a = parseQualityArgs([...images, '--', '--preset', 'classic'], {}, '.');
  assert.ok(a !== 'help');
  assert.equal(a.pairs.length, 12);
  assert.equal(pairName(a.pairs[1]), 'tubingen_the_scream');
  assert.deepEqual(a.variants, [{ label: 'default', flags: ['--preset', 'classic'] }]);
});

test('pairs by name, a given result, and labelled variants; mistakes are usage errors', { skip }, () => {
  const a = parseQualityArgs([...images, '--pairs', 'chelsea:shipwreck', '--variant', 'a=--preset painterly --colors content', '--variant', 'b'], {}, '.');
  assert.ok(a !== 'help');
  assert.equal(pairName(a.pairs[0]), 'chelsea_shipwreck');
  assert.deepEqual(a.variants.map((v) => [v.label, v.flags]), [['a', ['--preset', 'painterly', '--colors', 'content']], ['b', []]]);
  assert.throws(() => parseQualityArgs([...images, '--pairs', 'nosuch:shipwreck'], {}, '.'), QualityUsageError);
  assert.throws(() => parseQualityArgs([...images, '--pairs', 'chelsea'], {}, '.'), QualityUsageError);
  assert.throws(() => parseQualityArgs([...images, '--variant', 'a', '--variant', 'a'], {}, '.'), QualityUsageError);
  assert.throws(() => parseQualityArgs([...images, '--variant', 'two words=x'], {}, '.'), QualityUsageError);
});

test('--given measures an earlier run’s folder as a column; alone it runs no variant; a missing folder or a clashing label is a usage error', { skip }, () => {
  const dir = SHARED_IMAGES_DIR;
  const a = parseQualityArgs([...images, '--pairs', 'chelsea:shipwreck', '--given', `before=${dir}`], {}, '.');
  assert.ok(a !== 'help');
  assert.deepEqual(a.given, [{ label: 'before', dir }]);
  assert.deepEqual(a.variants, []);
  const b = parseQualityArgs([...images, '--given', `before=${dir}`, '--variant', 'after'], {}, '.');
  assert.ok(b !== 'help' && b.variants.length === 1 && b.given.length === 1);
  assert.throws(() => parseQualityArgs([...images, '--given', 'before=/no/such/folder'], {}, '.'), /no folder/);
  assert.throws(() => parseQualityArgs([...images, '--given', dir], {}, '.'), /LABEL=DIR/);
  assert.throws(() => parseQualityArgs([...images, '--given', `a=${dir}`, '--variant', 'a'], {}, '.'), /labels must differ/);
});

test('--max-side stylises every variant at that size and measures there, unless --measure-side says otherwise', { skip }, () => {
  const a = parseQualityArgs([...images, '--max-side', '256', '--', '--iterations', '20'], {}, '.');
  assert.ok(a !== 'help');
  assert.deepEqual(a.variants, [{ label: 'default', flags: ['--max-side', '256', '--iterations', '20'] }]);
  assert.equal(a.measureSide, 256);
  const b = parseQualityArgs([...images, '--max-side', '256', '--measure-side', '512', '--variant', 'big=--max-side 300'], {}, '.');
  assert.ok(b !== 'help');
  assert.deepEqual(b.variants, [{ label: 'big', flags: ['--max-side', '256', '--max-side', '300'] }]);
  assert.equal(b.measureSide, 512);
  const c = parseQualityArgs([...images], {}, '.');
  assert.ok(c !== 'help');
  assert.equal(c.measureSide, 512, 'the default is Balanced');
  assert.deepEqual(c.variants[0].flags, []);
  for (const bad of ['32', '256.5', 'big', '5000']) {
    assert.throws(() => parseQualityArgs([...images, '--max-side', bad], {}, '.'), (e: unknown) => e instanceof QualityUsageError && /--max-side/.test(e.message), bad);
  }
});

test('--mask left:P or a file runs every variant masked too; --feather needs --mask; mistakes are usage errors', { skip }, () => {
  const a = parseQualityArgs([...images, '--pairs', 'tubingen:the_scream', '--mask', 'left:60', '--feather', '6'], {}, '.');
  assert.ok(a !== 'help');
  assert.deepEqual(a.mask, { kind: 'left', percent: 60 });
  assert.equal(a.featherPx, 6);
  const file = `${SHARED_IMAGES_DIR}/content/tubingen.jpg`;
  const b = parseQualityArgs([...images, '--mask', file], {}, '.');
  assert.ok(b !== 'help');
  assert.deepEqual(b.mask, { kind: 'file', path: file });
  assert.equal(b.featherPx, undefined);
  assert.throws(() => parseQualityArgs([...images, '--feather', '4'], {}, '.'), /give --mask too/);
  assert.throws(() => parseQualityArgs([...images, '--mask', 'left:100'], {}, '.'), /under 100/);
  assert.throws(() => parseQualityArgs([...images, '--mask', '/no/such/mask.png'], {}, '.'), /no file/);
  assert.throws(() => parseQualityArgs([...images, '--mask', 'left:60', '--feather', '257'], {}, '.'), QualityUsageError);
  assert.throws(() => parseQualityArgs([...images, '--mask', 'left:60', '--pairs', `tubingen:the_scream:${file}`], {}, '.'), /without a result/);
});
