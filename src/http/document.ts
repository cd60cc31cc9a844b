import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { renderDocs } from "./docs";

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

const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Edge Event Imports",
    version: "0.1.0",
    description: "Event API and event imports on Cloudflare Workers. Errors are RFC 9457 problem+json.",
  },
};

/** The document's shared parts: the Problem schema the routes' error responses refer to, and the security schemes. */
function registerComponents(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.register("Problem", ProblemSchema);
  app.openAPIRegistry.registerComponent("securitySchemes", "basicKey", {
    type: "http",
    scheme: "basic",
    description: "The API key as user name, empty password (curl -u KEY:)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerKey", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer" });
}

/** Serves the OpenAPI 3.1 document of every route mounted on `app` at /openapi.json, and its reference page at /docs. */
export function serveApiDocument(app: OpenAPIHono<AppEnv>): void {
  registerComponents(app);
  app.doc31("/openapi.json", DOCUMENT_CONFIG);
  app.get("/docs", (c) => c.html(renderDocs(app.getOpenAPI31Document(DOCUMENT_CONFIG) as never)));
}
