/**
 * Issue 28 item 10: the key was read when the hello named it, so a connection that had its
 * auth-challenge before "Revoke paired plugins" still paired with the revoked key when its proof
 * came. Revoking now closes such connections, and a proof is checked against the keys as they
 * are when it arrives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes, keyProof } from '../../protocol/index.ts';
import { CLOSE_CODES } from '../../daemon/server/index.ts';
import { TestClient } from './test-client.ts';
import { pairedClientAsync, startTestDaemonAsync, useTestEngine, type TestDaemon } from './test-daemon.ts';

const engine = useTestEngine();

/**
 * A plugin paired with `daemon`, on its second connection, stopped after the daemon's challenge:
 * its right proof, ready to send, and where the log stood before that connection.
 */
async function challengedAsync(daemon: TestDaemon): Promise<{ client: TestClient; proof: string; mark: number }> {
  const { client: first, key } = await pairedClientAsync(daemon.server);
  first.close();
  const mark = daemon.logger.lines.length;
  const client = await TestClient.connectAsync(daemon.server.url);
  const nonce = client.hello(key);
  const { message } = await client.waitForAsync('auth-challenge');
  const context = client.proofContext(key, nonce, hexToBytes(message.nonce));
  return { client, proof: bytesToHex(keyProof(hexToBytes(key.key), 'plugin', context)), mark };
}

const authenticatedAfter = (daemon: TestDaemon, connectionOpenedAt: number): unknown[] =>
  daemon.logger.lines.slice(connectionOpenedAt).filter((line) => line.event === 'authenticated');

test('a connection waiting on its challenge when the keys are revoked is closed, and its right proof pairs nothing', async () => {
  const daemon = await startTestDaemonAsync(engine());
  try {
    const { client, proof, mark } = await challengedAsync(daemon);
    assert.equal(await daemon.server.revokeAllTokensAsync(), 1);
    client.send({ type: 'auth', proof });
    await assert.rejects(client.waitForAsync('welcome'), new RegExp(`connection closed \\(${CLOSE_CODES.tokenRevoked}\\)`));
    assert.deepEqual(authenticatedAfter(daemon, mark), [], 'never counted as authenticated');
  } finally {
    await daemon.stopAsync();
  }
});

test('a proof already on its way when the keys are revoked finds the key gone', async () => {
  const daemon = await startTestDaemonAsync(engine());
  try {
    const { client, proof, mark } = await challengedAsync(daemon);
    // Sent before the revocation, read by the daemon after it: this process runs both, and the
    // daemon reads the socket only once this synchronous stretch is over.
    client.send({ type: 'auth', proof });
    const revoked = daemon.server.revokeAllTokensAsync();
    assert.equal(await client.closedAsync(), CLOSE_CODES.tokenRevoked);
    assert.equal(await revoked, 1);
    assert.equal(client.messages().some((m) => m.type === 'welcome'), false, 'no welcome');
    assert.deepEqual(authenticatedAfter(daemon, mark), [], 'never counted as authenticated');
    const refused = daemon.logger.lines.slice(mark).find((line) => line.event === 'auth-failed');
    assert.equal(refused?.reason, 'key-revoked', 'the proof was checked against the keys as they are now');
  } finally {
    await daemon.stopAsync();
  }
});
