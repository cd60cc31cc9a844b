// Small view helpers: escaping, times in the viewer's zone (UTC on hover), status words.
export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

export function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return `<time datetime="${esc(iso)}" title="${esc(d.toISOString())} (UTC)">${esc(d.toLocaleString())}</time>`;
}

const WORDS = {
  draft: "Draft",
  launched: "Launched",
  paused: "Paused",
  completed: "Completed",
  fetching: "Fetching",
  fetched: "Fetched",
  failed: "Failed",
  processing: "Processing",
  processed: "Processed",
};
/** A status as a word with an icon-free badge: colour only repeats what the text says. */
export const status = (s) => (s ? `<span class="badge badge-${esc(s)}">${esc(WORDS[s] ?? s)}</span>` : "—");

export const bytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
