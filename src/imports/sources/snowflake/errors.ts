import { within } from "../../../lib/timeout";
import { SourceError } from "../source-error";

/** Snowflake refused the statement (or the credentials): its own code and message. */
export class SnowflakeError extends SourceError {}

/** Answers worth another try: the server's trouble, not the request's. */
export const retryable = (status: number) => status === 429 || status >= 500;

/** Reads Snowflake's error answer into its code and message (a body that is not JSON keeps the status). */
export async function failure(res: Response, timeoutMs: number): Promise<SnowflakeError> {
  const text = await within(timeoutMs, res.text()).catch(() => "");
  let body: { code?: string; message?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the status
  }
  return new SnowflakeError(res.status, body.code ?? `HTTP${res.status}`, (body.message ?? (res.statusText || "no message")).slice(0, 500));
}

/** The error of a request that never got an answer Snowflake wrote, after every try. */
export const unreachable = (err: unknown) => new SnowflakeError(0, "Unreachable", `Snowflake did not answer (${String(err)})`);
