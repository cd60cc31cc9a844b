import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { tasks } from "../../db/schema";
import { Problem } from "../../lib/problem";
import type { TaskRow } from "./tasks";

/** R2 multipart parts must all be the same size but the last, and at least 5 MiB. */
export const PART_SIZE = 10 * 1024 * 1024;

export const SAMPLE_CSV = `event,customer_id,email,timestamp,product_ids,amount,plan
purchase,c-1001,ann@example.com,2026-01-15T10:30:00Z,sku-1|sku-2,49.90,gold
signup,c-1002,bob@example.com,2026-01-15T11:00:00+01:00,,,silver
view,c-1003,,2026-01-16T08:15:30.500Z,sku-3,,
`;

function assertUploadable(task: TaskRow): void {
  if ((JSON.parse(task.source) as { type: string }).type !== "upload") {
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

/** The client-visible upload id names the R2 key and R2's own upload id; the key pins it to the task. */
function encodeUploadId(key: string, uploadId: string): string {
  return btoa(JSON.stringify([key, uploadId]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function decodeUploadId(task: TaskRow, id: string): { key: string; uploadId: string } {
  try {
    const [key, uploadId] = JSON.parse(atob(id.replace(/-/g, "+").replace(/_/g, "/"))) as [string, string];
    if (typeof key === "string" && typeof uploadId === "string" && key.startsWith(keyPrefix(task))) return { key, uploadId };
  } catch {
    // not one of ours
  }
  throw new Problem(404, `No multipart upload ${id.slice(0, 80)} for this task`);
}

export async function startMultipart(bucket: R2Bucket, task: TaskRow) {
  assertUploadable(task);
  const key = `${keyPrefix(task)}${crypto.randomUUID()}`;
  const upload = await bucket.createMultipartUpload(key, { httpMetadata: { contentType: "application/octet-stream" } });
  return { upload_id: encodeUploadId(key, upload.uploadId), part_size: PART_SIZE };
}

export async function putPart(bucket: R2Bucket, task: TaskRow, uploadId: string, partNumber: number, req: Request) {
  assertUploadable(task);
  const { key, uploadId: r2Id } = decodeUploadId(task, uploadId);
  const length = Number(req.headers.get("content-length") ?? "NaN");
  if (!Number.isFinite(length)) throw new Problem(411, "Send each part with a Content-Length");
  if (length > PART_SIZE) throw new Problem(413, `A part is at most ${PART_SIZE} bytes (part_size)`);
  const part = await bucket.resumeMultipartUpload(key, r2Id).uploadPart(partNumber, req.body ?? new Uint8Array());
  return { part_number: part.partNumber, etag: part.etag };
}

export async function completeMultipart(
  db: Database,
  bucket: R2Bucket,
  task: TaskRow,
  uploadId: string,
  parts: { part_number: number; etag: string }[],
  name: string,
  now: Date,
) {
  assertUploadable(task);
  const { key, uploadId: r2Id } = decodeUploadId(task, uploadId);
  let object: R2Object;
  try {
    object = await bucket
      .resumeMultipartUpload(key, r2Id)
      .complete(parts.toSorted((a, b) => a.part_number - b.part_number).map((p) => ({ partNumber: p.part_number, etag: p.etag })));
  } catch (err) {
    throw new Problem(422, `The upload could not be completed: ${String((err as Error).message ?? err).slice(0, 300)}`);
  }
  await recordFile(db, bucket, task, key, name, object.size, object.etag, now);
  return { name, bytes: object.size };
}
