import { within } from "../../../lib/timeout";
import type { S3Object } from "./client";
import type { S3Http } from "./request";
import { tag } from "./xml";

/** One page of a listing, and the token of the next page when there is one. */
export interface ListPage {
  objects: S3Object[];
  next: string | undefined;
}

/** One page of ListObjectsV2 under `prefix`, from `token` on (the first page without one). */
export async function listPage(http: S3Http, prefix: string, pageSize: number, token?: string): Promise<ListPage> {
  const q = new URLSearchParams({ "list-type": "2", "max-keys": String(pageSize), prefix });
  if (token) q.set("continuation-token", token);
  // No slash before "?": some servers sign the bucket URL without it.
  const xml = await http.request(`${http.bucketUrl}?${q}`, {}, (res) => within(http.timeoutMs, res.text()));
  return readListing(xml);
}

/** The objects of a ListObjectsV2 answer (ETags without their quotes) and its continuation token. */
function readListing(xml: string): ListPage {
  const objects: S3Object[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const block = m[1]!;
    objects.push({
      key: tag(block, "Key") ?? "",
      etag: (tag(block, "ETag") ?? "").replace(/"/g, ""),
      size: Number(tag(block, "Size") ?? 0),
    });
  }
  return { objects, next: tag(xml, "IsTruncated") === "true" ? tag(xml, "NextContinuationToken") : undefined };
}

/** Every object under `prefix`, over all pages. */
export async function listAll(http: S3Http, prefix: string, pageSize: number): Promise<S3Object[]> {
  const out: S3Object[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(http, prefix, pageSize, token);
    out.push(...page.objects);
    token = page.next;
  } while (token);
  return out;
}
