import type { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import { log } from "../lib/log";
import { PROBLEM_CONTENT_TYPE, Problem, problemBody } from "../lib/problem";
import type { AppEnv } from "./app-env";

/** The one error path: an unknown route and every thrown error are answered as problem+json. */
export function answerErrors(app: OpenAPIHono<AppEnv>): void {
  app.notFound((c) => problem(c.var.requestId, new Problem(404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), c.res.headers));
  app.onError((err, c) => {
    const requestId = c.var.requestId ?? crypto.randomUUID();
    return problem(requestId, asProblem(err, requestId, new URL(c.req.url).pathname), c.res.headers);
  });
}

/** What the caller is told about `err`: a Problem or a client HTTPException as it is; anything else is logged. */
function asProblem(err: Error, requestId: string, path: string): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof HTTPException && err.status < 500) return new Problem(err.status, err.message || "Bad request");
  if (err instanceof ConfigError) {
    // The setting is named, its value never (it may be a secret); config.ts logged what it must be.
    log("error", "request needs a setting that is not valid", { request_id: requestId, path, setting: err.setting });
    return new Problem(500, `The server's ${err.setting} is not configured correctly`);
  }
  // Unknown errors are logged with their stack and answered without either.
  log("error", "unhandled error", { request_id: requestId, path, error: String(err), stack: err?.stack });
  return new Problem(500, "Something went wrong on our side; quote the request_id when reporting it");
}

/** Renders a Problem, keeping headers middleware already set (CORS, x-request-id). */
function problem(requestId: string, p: Problem, carried: Headers): Response {
  const headers = new Headers(carried);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(problemBody(p.status, p.detail, requestId, p.errors, p.extra)), { status: p.status, headers });
}
