import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** One broken field (or bulk item) in a problem's `errors` list. */
export interface FieldError {
  index?: number;
  field: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  411: "Length Required",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * An RFC 9457 problem. Thrown anywhere; `app.onError` renders it. `extra` adds members such as
 * a bulk call's `accepted` counts, so partial success travels in the same shape as any error.
 */
export class Problem extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(status, { message: detail });
  }
}

export function problemBody(status: number, detail: string, requestId: string, errors: FieldError[] = [], extra: Record<string, unknown> = {}) {
  const title = TITLES[status] ?? "Error";
  return {
    type: `/problems/${status}`,
    title,
    status,
    detail,
    errors,
    request_id: requestId,
    ...extra,
  };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
