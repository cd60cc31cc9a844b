import { download, openObject } from "./download";
import { listAll, listPage } from "./list";
import { s3Http } from "./request";

export { S3Error } from "./errors";

export interface S3Config {
  bucket: string;
  region: string;
  endpoint?: string;
  access_key_id: string;
  secret_access_key: string;
}

export interface S3Object {
  key: string;
  etag: string;
  size: number;
}

/**
 * An S3 client for one bucket (path-style, so any S3-compatible store works), every request
 * signed, retried within bounds and due within `timeoutMs`. Besides the whole listing and the
 * whole download the pipeline uses, a single page and an object's opened body are callable alone.
 */
export function s3Client(cfg: S3Config, { pageSize = 1000, timeoutMs = 30_000 }: { pageSize?: number; timeoutMs?: number } = {}) {
  const http = s3Http(cfg, timeoutMs);
  return {
    /** Every object under `prefix`, over all pages of ListObjectsV2. */
    list: (prefix: string) => listAll(http, prefix, pageSize),
    /** One page of the listing under `prefix`, and the token of the next one. */
    listPage: (prefix: string, token?: string) => listPage(http, prefix, pageSize, token),
    /** An object's answer from byte `from` on, its body left to the caller (to read a little and cancel). */
    open: (obj: S3Object, from = 0) => openObject(http, obj, from),
    /** Streams a whole object into `sink`, resuming a body that breaks off. */
    download: (obj: S3Object, sink: (bytes: Uint8Array) => Promise<void>) => download(http, obj, sink),
  };
}
export type S3Client = ReturnType<typeof s3Client>;
