// Vitest globalSetup (runs in Node, not in workerd): a real S3-compatible server that verifies
// SigV4 (@20minutes/s3rver), a small front that injects faults on request, and a Snowflake SQL
// API v2 server (snowflake-server.ts), all on 127.0.0.1.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error the package ships no types
import S3rver from "@20minutes/s3rver";
import type { TestProject } from "vitest/node";
import { halfThen } from "./half-body";
import { startSnowflakeServer } from "./snowflake-server";

declare module "vitest" {
  export interface ProvidedContext {
    s3Port: number;
    s3FaultPort: number;
    snowflakePort: number;
    snowflakeKey: string;
  }
}

/**
 * Faults, by URL: one containing "fail-once-500" answers 500 to its first GET; one containing
 * "break-once" sends half its body and drops the connection on its first GET; one containing
 * "stall-once" sends half its body on its first GET and then nothing for STALL_MS. A listing's URL
 * holds its prefix, so a prefix with these words breaks the listing too. Everything else is passed
 * through untouched (headers included, so signatures still verify).
 */
const STALL_MS = 60_000; // longer than any test waits: only the client's own timeout gets past it
function faultFront(target: number) {
  const seen = new Set<string>();
  return http.createServer((req, res) => {
    const url = req.url ?? "/";
    const first = req.method === "GET" && !seen.has(url);
    seen.add(url);
    if (first && url.includes("fail-once-500")) {
      res.writeHead(500, { "content-type": "application/xml" });
      res.end("<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>");
      return;
    }
    const upstream = http.request({ host: "127.0.0.1", port: target, method: req.method, path: url, headers: req.headers }, (up) => {
      if (first && !req.headers.range && (url.includes("stall-once") || url.includes("break-once"))) {
        const stall = url.includes("stall-once");
        halfThen(up, res, () => (stall ? setTimeout(() => res.socket?.destroy(), STALL_MS).unref() : res.socket?.destroy()));
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "eei-s3-"));
  const s3 = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: "events" }, { name: "other" }] });
  const { port } = await s3.run();
  const front = faultFront(port);
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  project.provide("s3Port", port);
  project.provide("s3FaultPort", (front.address() as AddressInfo).port);
  const snowflake = await startSnowflakeServer();
  project.provide("snowflakePort", snowflake.port);
  project.provide("snowflakeKey", snowflake.pem);
  return async () => {
    snowflake.close();
    front.closeAllConnections();
    front.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
