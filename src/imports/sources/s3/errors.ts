import { within } from "../../../lib/timeout";
import { SourceError } from "../source-error";
import { tag } from "./xml";

/** S3 answered with an error that retrying will not fix (403, 404, …): its own code and message. */
export class S3Error extends SourceError {}

/** Answers worth another try: the server's trouble, not the request's. */
export const retryable = (status: number) => status >= 500 || status === 429;

/** Reads S3's error XML into code and message; never shows the XML itself. */
export async function s3Error(res: Response, timeoutMs: number): Promise<S3Error> {
  const body = res.status === 304 || res.headers.get("content-length") === "0" ? "" : await within(timeoutMs, res.text()).catch(() => "");
  const code = tag(body, "Code") ?? (res.status === 404 ? "NotFound" : res.status === 403 ? "AccessDenied" : `HTTP${res.status}`);
  const message = tag(body, "Message") ?? (res.statusText || "no message");
  return new S3Error(res.status, code, message);
}

/** The error of a request that never got an answer S3 wrote, after every try. */
export const unreachable = (tries: number, err: unknown) =>
  new S3Error(0, "Unreachable", `the S3 endpoint did not answer after ${tries} tries (${String(err)})`);

/** The same error, its message naming the object whose GetObject failed. */
export const onObject = (err: S3Error, key: string) => new S3Error(err.status, err.code, `${err.message.slice(err.code.length + 2)} (GetObject ${key})`);
