import type { z } from "@hono/zod-openapi";
import { fieldErrors } from "../events/contract/normalize";
import { Problem } from "../lib/problem";
import { readJsonBody } from "./body";

const DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * Reads and validates a JSON body against the same zod schema the OpenAPI document shows.
 * 415 / 413 / 400 come from readJsonBody; a body of the wrong shape is 422 listing every field.
 */
export async function jsonBody<S extends z.ZodType>(req: Request, schema: S, limit = DEFAULT_BODY_LIMIT): Promise<z.output<S>> {
  const { value } = await readJsonBody(req, limit);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Problem(422, "The request body is not valid", fieldErrors(parsed.error));
  return parsed.data;
}

/** Validates the query string; a repeated parameter keeps its first value. */
export function queryParams<S extends z.ZodType>(url: string, schema: S): z.output<S> {
  const params: Record<string, string> = {};
  for (const [k, v] of new URL(url).searchParams) if (!(k in params)) params[k] = v;
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new Problem(422, "The query parameters are not valid", fieldErrors(parsed.error));
  return parsed.data;
}
