// Shared by the tests' fault front (servers.ts) and the soak suite's chaos fronts: a body that
// breaks off or goes silent half-way. Node modules only, so the soak (plain Node) can import it.
import type http from "node:http";

/**
 * Passes on the status, headers and half the body (half the first piece when the length is not
 * known: a listing is sent chunked), then calls `then` — to drop the connection, or to go silent.
 */
export function halfThen(up: http.IncomingMessage, res: http.ServerResponse, then: () => void) {
  res.writeHead(up.statusCode ?? 502, up.headers);
  const length = Number(up.headers["content-length"] ?? 0);
  let sent = 0;
  up.on("data", (chunk: Buffer) => {
    const half = length > 0 ? length / 2 : Math.max(1, Math.floor(chunk.length / 2));
    if (sent >= half) return;
    const piece = chunk.subarray(0, Math.max(0, Math.min(chunk.length, half - sent)));
    sent += piece.length;
    res.write(piece);
    if (sent >= half) then();
  });
}
