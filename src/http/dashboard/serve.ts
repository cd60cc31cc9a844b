import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { DASHBOARD_FILES } from "./generated/files.gen";

/** The paths the dashboard's files are served at (public/ as it is laid out). */
export const DASHBOARD_PATHS = ["/", "/index.html", "/styles.css", "/js/*"];

// The dashboard runs only its own scripts and styles and talks only to this origin.
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * Serves a dashboard file from the Worker's bundle (scripts/build-dashboard.mjs says why not
 * static assets). Browsers revalidate each time (no-cache) and get 304 while the ETag matches, so
 * a deploy's new files are picked up at once.
 */
export function serveDashboardFile(c: Context<AppEnv>): Response {
  const path = c.req.path === "/" ? "/index.html" : c.req.path;
  const file = Object.hasOwn(DASHBOARD_FILES, path) ? DASHBOARD_FILES[path] : undefined;
  if (!file) return c.notFound() as Response;
  // c.body keeps the headers middleware already set (x-request-id), as every other route does.
  const headers = { ...SECURITY_HEADERS, etag: file.etag, "cache-control": "no-cache" };
  if (c.req.header("if-none-match") === file.etag) return c.body(null, 304, headers);
  return c.body(file.body, 200, { ...headers, "content-type": file.type });
}
