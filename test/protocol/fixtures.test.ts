import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, fixtureToFrame, parseClientFrame, parseServerFrame } from '../../protocol/index.ts';
import { loadInvalidFixtures, loadValidFixtures } from './load-fixtures.ts';

const valid = loadValidFixtures();
const invalid = loadInvalidFixtures();

test('there are contract fixtures for both directions', () => {
  assert.ok(valid.filter((v) => v.fixture.from === 'client').length >= 5);
  assert.ok(valid.filter((v) => v.fixture.from === 'daemon').length >= 10);
  assert.ok(invalid.filter((v) => v.fixture.from === 'client').length >= 50);
});

for (const { name, fixture } of valid) {
  test(`valid fixture ${name} parses and survives an encode/parse round trip`, () => {
    const parse = fixture.from === 'client' ? parseClientFrame : parseServerFrame;
    const frame = fixtureToFrame(fixture);
    const parsed = parse(frame);
    assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.code}: ${parsed.message}`);
    assert.deepEqual(parsed.value.message, JSON.parse(JSON.stringify(fixture.message)));
    const again = parse(encodeMessage(parsed.value.message, parsed.value.images));
    assert.ok(again.ok);
    assert.deepEqual(again.value.message, parsed.value.message);
    assert.deepEqual([...again.value.images.keys()].sort(), [...parsed.value.images.keys()].sort());
    for (const [id, bytes] of parsed.value.images) assert.deepEqual(again.value.images.get(id), bytes);
  });
}

for (const { name, fixture } of invalid) {
  test(`invalid fixture ${name} fails with ${fixture.expectedCode}`, () => {
    const parse = fixture.from === 'client' ? parseClientFrame : parseServerFrame;
    const parsed = parse(fixtureToFrame(fixture));
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.equal(parsed.code, fixture.expectedCode, parsed.message);
    assert.ok(parsed.message.length > 10, 'the message is a sentence');
    const echoed = 'requestId' in parsed ? parsed.requestId : undefined;
    assert.equal(echoed, fixture.expectedRequestId, 'the failure names the request when the fixture carries one');
  });
}
