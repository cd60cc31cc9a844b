import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { tasks } from "../../db/schema";
import { Problem } from "../../lib/problem";
import { taskSource } from "./columns";
import type { TaskRow } from "./tasks";
import { decodeUploadId, encodeUploadId } from "./upload-id";

/** R2 multipart parts must all be the same size but the last, and at least 5 MiB. */
export const PART_SIZE = 10 * 1024 * 1024;

export const SAMPLE_CSV = `event,customer_id,email,timestamp,product_ids,amount,plan
purchase,c-1001,ann@example.com,2026-01-15T10:30:00Z,sku-1|sku-2,49.90,gold
signup,c-1002,bob@example.com,2026-01-15T11:00:00+01:00,,,silver
view,c-1003,,2026-01-16T08:15:30.500Z,sku-3,,
`;

function assertUploadable(task: TaskRow): void {
  if (taskSource(task).type !== "upload") {
    throw new Problem(409, "Only upload tasks take a file; S3 and Snowflake tasks fetch their own data");
  }
  if (task.status !== "draft" && task.status !== "paused") {
    throw new Problem(409, `A ${task.status} task's file cannot be replaced; pause it first`);
  }
}

const keyPrefix = (task: TaskRow) => `uploads/${task.accountId}/${task.id}/`;

async function recordFile(db: Database, bucket: R2Bucket, task: TaskRow, key: string, name: string, bytes: number, etag: string, now: Date) {
  await db.update(tasks).set({ fileKey: key, fileName: name, fileBytes: bytes, fileEtag: etag, updatedAt: now.toISOString() }).where(eq(tasks.id, task.id));
  // The previous file is no longer the task's; runs that used it keep their own staged copy's key.
  if (task.fileKey && task.fileKey !== key) await bucket.delete(task.fileKey).catch(() => undefined);
}

/** Streams a request body into R2 as the task's file (never buffered whole). */
export async function putFile(db: Database, bucket: R2Bucket, task: TaskRow, req: Request, name: string, now: Date) {
  assertUploadable(task);
  const length = req.headers.get("content-length");
  if (length === null || !/^\d+$/.test(length)) {
    throw new Problem(411, "Send the file with a Content-Length, or use the multipart upload for large files");
  }
  const key = `${keyPrefix(task)}${crypto.randomUUID()}`;
  const object = await bucket.put(key, req.body ?? new Uint8Array(), { httpMetadata: { contentType: "application/octet-stream" } });
  await recordFile(db, bucket, task, key, name, object.size, object.etag, now);
  return { name, bytes: object.size };
}

/** R2's error codes (the number that ends its error messages) that a client's request can cause. */
const R2_NO_SUCH_UPLOAD = 10024;
const R2_INVALID_PART = 10025;
const R2_ENTITY_TOO_SMALL = 10011;
const R2_BAD_UPLOAD = 10048;

function r2ErrorCode(err: unknown): number | undefined {
  const code = /\((\d+)\)\s*$/.exec(err instanceof Error ? err.message : "")?.[1];
  return code === undefined ? undefined : Number(code);
}

const noSuchUpload = (id: string) => new Problem(404, `No multipart upload ${id.slice(0, 80)} for this task`);
const badParts = (message: string) => new Problem(422, "The upload could not be completed", [{ field: "parts", message }]);

/** The upload a client's id names; a tampered id, or one of another task, is 404 without asking R2. */
async function openUpload(env: Env, bucket: R2Bucket, task: TaskRow, id: string): Promise<{ key: string; upload: R2MultipartUpload }> {
  const named = await decodeUploadId(env, keyPrefix(task), id);
  if (!named) throw noSuchUpload(id);
  return { key: named.key, upload: bucket.resumeMultipartUpload(named.key, named.r2UploadId) };
}

export async function startMultipart(env: Env, bucket: R2Bucket, task: TaskRow) {
  assertUploadable(task);
  const key = `${keyPrefix(task)}${crypto.randomUUID()}`;
  const upload = await bucket.createMultipartUpload(key, { httpMetadata: { contentType: "application/octet-stream" } });
  return { upload_id: await encodeUploadId(env, keyPrefix(task), { key, r2UploadId: upload.uploadId }), part_size: PART_SIZE };
}

export async function putPart(env: Env, bucket: R2Bucket, task: TaskRow, uploadId: string, partNumber: number, req: Request) {
  assertUploadable(task);
  const { upload } = await openUpload(env, bucket, task, uploadId);
  const length = Number(req.headers.get("content-length") ?? "NaN");
  if (!Number.isFinite(length)) throw new Problem(411, "Send each part with a Content-Length");
  if (length > PART_SIZE) throw new Problem(413, `A part is at most ${PART_SIZE} bytes (part_size)`);
  try {
    const part = await upload.uploadPart(partNumber, req.body ?? new Uint8Array());
    return { part_number: part.partNumber, etag: part.etag };
  } catch (err) {
    // A well-formed id of an upload already completed or aborted.
    if (r2ErrorCode(err) === R2_NO_SUCH_UPLOAD) throw noSuchUpload(uploadId);
    throw err;
  }
}

/** Asks R2 to join the parts; what a client's list can get wrong is answered in our words, never R2's. */
async function joinParts(upload: R2MultipartUpload, uploadId: string, parts: { part_number: number; etag: string }[]): Promise<R2Object> {
  const numbers = new Set(parts.map((p) => p.part_number));
  if (numbers.size !== parts.length) throw badParts("lists a part_number more than once");
  try {
    return await upload.complete(parts.toSorted((a, b) => a.part_number - b.part_number).map((p) => ({ partNumber: p.part_number, etag: p.etag })));
  } catch (err) {
    const code = r2ErrorCode(err);
    if (code === R2_NO_SUCH_UPLOAD) throw noSuchUpload(uploadId);
    if (code === R2_INVALID_PART) throw badParts("lists a part that was not uploaded, or an etag other than the one its PUT answered");
    if (code === R2_ENTITY_TOO_SMALL || code === R2_BAD_UPLOAD) {
      throw badParts(`every part but the last must be exactly part_size (${PART_SIZE}) bytes, and the last no larger`);
    }
    throw err;
  }
}

export async function completeMultipart(
  env: Env,
  db: Database,
  bucket: R2Bucket,
  task: TaskRow,
  uploadId: string,
  parts: { part_number: number; etag: string }[],
  name: string,
  now: Date,
) {
  assertUploadable(task);
  const { key, upload } = await openUpload(env, bucket, task, uploadId);
  const object = await joinParts(upload, uploadId, parts);
  await recordFile(db, bucket, task, key, name, object.size, object.etag, now);
  return { name, bytes: object.size };
}
