import { OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import { log, withRequestId } from "../lib/log";
import { PROBLEM_CONTENT_TYPE, Problem, problemBody } from "../lib/problem";
import type { AppEnv } from "./app-env";
import { DASHBOARD_PATHS, serveDashboardFile } from "./dashboard/serve";
import { renderDocs } from "./docs";
import { accountRoutes } from "./routes/accounts";
import { deadLetterRoutes } from "./routes/dead-letters";
import { eventReadRoutes } from "./routes/events";
import { healthRoutes } from "./routes/health";
import { importFileRoutes, sampleRoutes } from "./routes/import-files";
import { importRoutes } from "./routes/imports";
import { ingestRoutes } from "./routes/ingest";
import { runRoutes } from "./routes/runs";

const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ index: z.number().int().optional(), field: z.string(), message: z.string() })),
    request_id: z.string(),
  })
  .catchall(z.unknown())
  .openapi("Problem");

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use((c, next) => {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    return withRequestId(requestId, next);
  });

  app.route("/", healthRoutes);
  app.route("/admin", accountRoutes);
  app.route("/admin", deadLetterRoutes);
  app.route("/api/v1", ingestRoutes);
  app.route("/api/v1", eventReadRoutes);
  app.route("/api/v1", sampleRoutes); // before importRoutes: public, and not an {id}
  app.route("/api/v1", importRoutes);
  app.route("/api/v1", importFileRoutes);
  app.route("/api/v1", runRoutes);

  app.openAPIRegistry.register("Problem", ProblemSchema);
  app.openAPIRegistry.registerComponent("securitySchemes", "basicKey", {
    type: "http",
    scheme: "basic",
    description: "The API key as user name, empty password (curl -u KEY:)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerKey", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer" });
  const documentConfig = {
    openapi: "3.1.0",
    info: {
      title: "Edge Event Imports",
      version: "0.1.0",
      description: "Event API and event imports on Cloudflare Workers. Errors are RFC 9457 problem+json.",
    },
  };
  for (const path of DASHBOARD_PATHS) app.get(path, serveDashboardFile);

  app.doc31("/openapi.json", documentConfig);
  app.get("/docs", (c) => c.html(renderDocs(app.getOpenAPI31Document(documentConfig) as never)));

  app.notFound((c) => problem(c.var.requestId, new Problem(404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), c.res.headers));
  app.onError((err, c) => {
    const requestId = c.var.requestId ?? crypto.randomUUID();
    if (err instanceof Problem) return problem(requestId, err, c.res.headers);
    if (err instanceof HTTPException && err.status < 500) {
      return problem(requestId, new Problem(err.status, err.message || "Bad request"), c.res.headers);
    }
    if (err instanceof ConfigError) {
      // The setting is named, its value never (it may be a secret); config.ts logged what it must be.
      log("error", "request needs a setting that is not valid", { request_id: requestId, path: new URL(c.req.url).pathname, setting: err.setting });
      return problem(requestId, new Problem(500, `The server's ${err.setting} is not configured correctly`), c.res.headers);
    }
    // Unknown errors are logged with their stack and answered without either.
    log("error", "unhandled error", { request_id: requestId, path: new URL(c.req.url).pathname, error: String(err), stack: (err as Error)?.stack });
    return problem(requestId, new Problem(500, "Something went wrong on our side; quote the request_id when reporting it"), c.res.headers);
  });
  return app;
}

/** Renders a Problem, keeping headers middleware already set (CORS, x-request-id). */
function problem(requestId: string, p: Problem, carried: Headers): Response {
  const headers = new Headers(carried);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(problemBody(p.status, p.detail, requestId, p.errors, p.extra)), { status: p.status, headers });
}
