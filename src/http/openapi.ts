import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

/**
 * Puts `config` in the OpenAPI document and mounts the handlers on its path. Validation is done in
 * the handlers (jsonBody / queryParams) with the very schemas named in `config`, so the document
 * and the checks can't drift, and every failure takes the one problem+json path.
 */
export function route(app: OpenAPIHono<AppEnv>, config: RouteConfig, ...handlers: [...MiddlewareHandler<AppEnv>[], Handler<AppEnv>]): void {
  app.openAPIRegistry.registerPath(config);
  const path = config.path.replaceAll(/\{(\w+)\}/g, ":$1");
  app.on(config.method.toUpperCase(), path, ...(handlers as [Handler<AppEnv>]));
}

/** A problem+json response, for route configs. */
export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});
