import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { DASHBOARD_PATHS, serveDashboardFile } from "./dashboard/serve";
import { serveApiDocument } from "./document";
import { answerErrors } from "./errors";
import { requestId } from "./request-id";
import { accountRoutes } from "./routes/accounts";
import { benchRoutes } from "./routes/bench";
import { deadLetterRoutes } from "./routes/dead-letters";
import { eventReadRoutes } from "./routes/events";
import { healthRoutes } from "./routes/health";
import { importFileRoutes } from "./routes/import-files";
import { importRoutes } from "./routes/imports";
import { ingestRoutes } from "./routes/ingest";
import { runRoutes } from "./routes/runs";

/** A router and the prefix it is mounted at. */
export type Mount = readonly [prefix: string, router: OpenAPIHono<AppEnv>];

/**
 * Every router of the API, in the order createApp mounts them by default. Each router guards its
 * own routes (auth is middleware on each route, never a `use` on a path prefix) and no two
 * routers' paths overlap, so any order serves the same API (test/http/router-order.test.ts).
 */
export const ROUTERS: readonly Mount[] = [
  ["/", healthRoutes],
  ["/admin", accountRoutes],
  ["/admin", deadLetterRoutes],
  ["/api/v1", ingestRoutes],
  ["/api/v1", eventReadRoutes],
  ["/api/v1", importRoutes],
  ["/api/v1", importFileRoutes],
  ["/api/v1", runRoutes],
];

/**
 * The Worker's HTTP app: `routers` (ROUTERS unless a test says otherwise), the benchmark's parse
 * route (off unless configured), the dashboard, the API document, one error path.
 */
export function createApp(routers: readonly Mount[] = ROUTERS) {
  const app = new OpenAPIHono<AppEnv>();
  app.use(requestId);
  mountRouters(app, routers);
  app.route("/", benchRoutes);
  serveDashboard(app);
  serveApiDocument(app);
  answerErrors(app);
  return app;
}

function mountRouters(app: OpenAPIHono<AppEnv>, routers: readonly Mount[]): void {
  for (const [prefix, router] of routers) app.route(prefix, router);
}

function serveDashboard(app: OpenAPIHono<AppEnv>): void {
  for (const path of DASHBOARD_PATHS) app.get(path, serveDashboardFile);
}
