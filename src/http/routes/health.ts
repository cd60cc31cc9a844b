import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { route } from "../openapi";

export const healthRoutes = new OpenAPIHono<AppEnv>();

route(
  healthRoutes,
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness: the Worker answers",
    tags: ["Operations"],
    responses: { 200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
  },
  (c) => c.json({ status: "ok" as const }),
);
