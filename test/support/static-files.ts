import type { IncomingMessage, ServerResponse } from 'node:http';

export type StaticFiles = Record<string, { type: string; body: string }>;

/** A request listener for the browser tests' harness pages: exactly these paths, 204 for the favicon browsers ask for, 404 otherwise. */
export function staticFiles(files: StaticFiles): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files[path];
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  };
}
