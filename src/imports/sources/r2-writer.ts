import { PART_SIZE } from "../tasks/uploads";

/**
 * Writes a stream of pieces into one R2 object without holding it whole: pieces fill a part-sized
 * buffer; a file of one part is a plain put, a larger one an R2 multipart upload of equal parts.
 */
export function r2Writer(bucket: R2Bucket, key: string) {
  let buf = new Uint8Array(PART_SIZE);
  let filled = 0;
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];

  async function flushPart() {
    upload ??= await bucket.createMultipartUpload(key);
    parts.push(await upload.uploadPart(parts.length + 1, buf.subarray(0, filled)));
    buf = new Uint8Array(PART_SIZE);
    filled = 0;
  }

  return {
    async write(bytes: Uint8Array) {
      let at = 0;
      while (at < bytes.byteLength) {
        const n = Math.min(bytes.byteLength - at, PART_SIZE - filled);
        buf.set(bytes.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === PART_SIZE) await flushPart();
      }
    },
    async close(): Promise<number> {
      if (!upload) {
        await bucket.put(key, buf.subarray(0, filled));
        return filled;
      }
      if (filled > 0) await flushPart();
      const obj = await upload.complete(parts);
      return obj.size;
    },
    async abort() {
      await upload?.abort().catch(() => undefined);
    },
  };
}
