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
