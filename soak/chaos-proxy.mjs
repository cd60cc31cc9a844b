// A front for a local S3 or Snowflake server that misbehaves on purpose, at random: it answers an
// error, says nothing for a while (longer than the Worker's SOURCE_TIMEOUT_SECONDS), or drops the
// connection half-way through a body. Everything else passes through untouched (headers included,
// so SigV4 signatures and JWTs still verify). Listens on 127.0.0.1 only.
import http from "node:http";
import { halfThen } from "../test/support/half-body.ts";

const ERRORS = {
  s3: [
    [500, "application/xml", "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>"],
    [503, "application/xml", "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"],
  ],
  snowflake: [
    [500, "application/json", JSON.stringify({ code: "000603", message: "Internal error." })],
    [429, "application/json", JSON.stringify({ code: "390505", message: "Too many requests." })],
    [503, "application/json", JSON.stringify({ code: "390503", message: "Service unavailable." })],
  ],
};

/**
 * `rates` are probabilities per request: { error, stall, drop }. `stallMs` is how long a stall
 * lasts before the request is passed on anyway (as a real slow server would). Set `enabled = false`
 * on the returned object to stop misbehaving (the soak's drain phase).
 */
export async function chaosProxy({ kind, targetPort, rates, stallMs }) {
  const stats = { requests: 0, errors: 0, stalls: 0, drops: 0 };
  const state = { enabled: true, stats, port: 0, close: () => {} };
  const server = http.createServer((req, res) => {
    stats.requests++;
    const roll = Math.random();
    const chaos = state.enabled && !req.url.startsWith("/_test");
    if (chaos && roll < rates.error) {
      stats.errors++;
      const [status, type, body] = ERRORS[kind][Math.floor(Math.random() * ERRORS[kind].length)];
      req.resume();
      res.writeHead(status, { "content-type": type });
      res.end(body);
      return;
    }
    const stall = chaos && roll < rates.error + rates.stall;
    const drop = chaos && !stall && roll < rates.error + rates.stall + rates.drop;
    if (stall) stats.stalls++;
    const forward = () => {
      if (res.destroyed || req.destroyed) return; // the client gave up during a stall
      const upstream = http.request({ host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
        if (!drop) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          return void up.pipe(res);
        }
        stats.drops++;
        halfThen(up, res, () => res.socket?.destroy());
      });
      upstream.on("error", () => res.destroy());
      res.on("close", () => upstream.destroy());
      req.pipe(upstream);
    };
    if (stall) setTimeout(forward, stallMs).unref();
    else forward();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  state.port = server.address().port;
  state.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return state;
}
