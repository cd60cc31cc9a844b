import { config } from "../../config";

/**
 * The `upload_id` a client holds for a multipart upload: base64url of the JSON array
 * [object name, R2's upload id, tag]. The tag is the first 16 bytes of an HMAC-SHA-256 over the
 * full R2 key (which names the account and the task) and R2's upload id, keyed from SECRETS_KEY.
 * So an id that was changed, made up, or issued for another task fails here, as a 404, before
 * R2 is asked about it; only ids this service handed out for this task reach R2.
 */
export interface MultipartUpload {
  /** The R2 object key the upload writes. */
  key: string;
  /** R2's own id of the upload. */
  r2UploadId: string;
}

const TAG_BYTES = 16;
const OBJECT_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const encoder = new TextEncoder();
const macKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/** An HMAC key of its own, derived from SECRETS_KEY, so the AES key of the secrets signs nothing. */
function macKey(env: Env): Promise<CryptoKey> {
  const raw = config(env).secretsKey;
  let key = macKeys.get(raw);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", raw, "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: encoder.encode("multipart upload id") },
          base,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign"],
        ),
      );
    macKeys.set(raw, key);
  }
  return key;
}

async function tag(env: Env, upload: MultipartUpload): Promise<Uint8Array> {
  const mac = await crypto.subtle.sign("HMAC", await macKey(env), encoder.encode(JSON.stringify([upload.key, upload.r2UploadId])));
  return new Uint8Array(mac, 0, TAG_BYTES);
}

function toBase64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of a base64url text, or null; only the one canonical spelling of those bytes is accepted. */
function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    return toBase64url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

/** `prefix` is the task's folder of R2 keys, ending in "/"; the upload's key is in it. */
export async function encodeUploadId(env: Env, prefix: string, upload: MultipartUpload): Promise<string> {
  const name = upload.key.slice(prefix.length);
  if (!upload.key.startsWith(prefix) || !OBJECT_NAME.test(name)) throw new Error(`Upload key ${upload.key} is not a file of ${prefix}`);
  const json = JSON.stringify([name, upload.r2UploadId, toBase64url(await tag(env, upload))]);
  return toBase64url(encoder.encode(json));
}

/** The upload an id names, if this service issued it for the task whose keys are under `prefix`; else null. */
export async function decodeUploadId(env: Env, prefix: string, id: string): Promise<MultipartUpload | null> {
  const bytes = fromBase64url(id);
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === "string")) return null;
  const [name, r2UploadId, given] = value as [string, string, string];
  if (!OBJECT_NAME.test(name) || r2UploadId === "") return null;
  const upload = { key: `${prefix}${name}`, r2UploadId };
  const givenTag = fromBase64url(given);
  if (!givenTag || givenTag.length !== TAG_BYTES) return null;
  return crypto.subtle.timingSafeEqual(givenTag, await tag(env, upload)) ? upload : null;
}
