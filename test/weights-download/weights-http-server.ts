import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  range: string | undefined;
  ifRange: string | undefined;
  status: number;
}

export interface WeightsHttpServer {
  url: string;
  requests: ServedRequest[];
  closeAsync(): Promise<void>;
}

export interface ServeOptions {
  /** Honour Range requests (206); false answers every request with the whole file (200). */
  ranges?: boolean;
  /** Cut the connection of the first N whole-or-partial responses after this many bytes. */
  cutAfterBytes?: number;
  cutResponses?: number;
  /** Answer every request with this status and no body. */
  status?: number;
  etag?: string;
}

/** A tiny file server on 127.0.0.1 that plays the weights host: ranges, cut-offs, errors. */
export async function serveWeightsAsync(body: Uint8Array, options: ServeOptions = {}): Promise<WeightsHttpServer> {
  const requests: ServedRequest[] = [];
  let cutsLeft = options.cutResponses ?? 0;
  const etag = options.etag ?? '"fixture-v1"';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const range = req.headers.range;
    const ifRange = req.headers['if-range'];
    const record = (status: number): void => {
      requests.push({ range, ifRange: typeof ifRange === 'string' ? ifRange : undefined, status });
    };
    if (options.status !== undefined) {
      record(options.status);
      res.writeHead(options.status).end();
      return;
    }
    let start = 0;
    const match = range && options.ranges !== false ? /^bytes=(\d+)-$/.exec(range) : null;
    const rangeValid = match !== null && (ifRange === undefined || ifRange === etag);
    if (rangeValid) {
      start = Number(match[1]);
      if (start >= body.length) {
        record(416);
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      record(206);
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Content-Length': body.length - start,
        ETag: etag,
      });
    } else {
      record(200);
      res.writeHead(200, { 'Content-Length': body.length, ETag: etag, 'Accept-Ranges': 'bytes' });
    }
    const slice = body.subarray(start);
    if (cutsLeft > 0 && options.cutAfterBytes !== undefined) {
      cutsLeft--;
      res.write(slice.subarray(0, options.cutAfterBytes), () => {
        // Give the client time to read the bytes (an errored stream drops what it has not read), then cut the connection mid-body.
        setTimeout(() => res.socket?.destroy(), 200);
      });
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    requests,
    closeAsync: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
