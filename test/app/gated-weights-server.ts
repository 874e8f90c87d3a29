import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedWeightsServer {
  url: string;
  /** Lets the rest of the file through. */
  release(): void;
  closeAsync(): Promise<void>;
}

/**
 * A weights host on 127.0.0.1 that sends the headers and the first half of the file, then
 * holds the rest until `release()`: the daemon is mid-download for as long as a test needs.
 */
export async function serveGatedWeightsAsync(body: Uint8Array): Promise<GatedWeightsServer> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const half = Math.floor(body.length / 2);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Length': body.length, ETag: '"gated-v1"' });
    response.write(body.subarray(0, half));
    void released.then(() => response.end(body.subarray(half)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    release,
    closeAsync: () =>
      new Promise<void>((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
