// The dashboard talks only to the public API, with the user API key kept in sessionStorage.
const KEY = "eei.userKey";

export const session = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? { errors: [] };
  }
}

/** JSON in, JSON out; a problem+json answer becomes an ApiError with its field errors. */
export async function api(path, { method = "GET", json, body, headers = {}, key = session.get() } = {}) {
  const init = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["content-type"] = "application/json";
  } else if (body !== undefined) init.body = body;
  const res = await fetch(`/api/v1${path}`, init);
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await res.json() : await res.blob();
  if (!res.ok) throw new ApiError(res.status, type.includes("json") ? data : null);
  return data;
}

/**
 * Sends a file with upload progress (fetch has none): one PUT up to 50 MB, else the multipart API
 * with each part retried three times. `onProgress(sentBytes, totalBytes)`; `signal` cancels.
 */
export async function uploadFile(taskId, file, onProgress, signal) {
  const key = session.get();
  const put = (url, blob, base) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("authorization", `Bearer ${key}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(base + e.loaded, file.size);
      xhr.onload = () => (xhr.status < 300 ? resolve(JSON.parse(xhr.responseText)) : reject(new ApiError(xhr.status, safeJson(xhr.responseText))));
      xhr.onerror = () => reject(new ApiError(0, { detail: "The connection failed", errors: [] }));
      xhr.onabort = () => reject(new ApiError(0, { detail: "Upload cancelled", errors: [] }));
      signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(blob);
    });
  const name = encodeURIComponent(file.name);
  if (file.size <= 50 * 1024 * 1024) {
    const out = await put(`/api/v1/imports/${taskId}/file?name=${name}`, file, 0);
    onProgress(file.size, file.size);
    return out;
  }
  const { upload_id, part_size } = await api(`/imports/${taskId}/file/multipart`, { method: "POST" });
  const parts = [];
  for (let n = 1, at = 0; at < file.size; n++, at += part_size) {
    for (let attempt = 1; ; attempt++) {
      try {
        parts.push(await put(`/api/v1/imports/${taskId}/file/multipart/${upload_id}/${n}`, file.slice(at, at + part_size), at));
        break;
      } catch (err) {
        if (signal?.aborted || attempt >= 3) throw err;
      }
    }
  }
  const out = await api(`/imports/${taskId}/file/multipart/${upload_id}/complete`, { method: "POST", json: { parts, name: file.name } });
  onProgress(file.size, file.size);
  return out;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
