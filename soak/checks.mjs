// What the soak verifies at the end, all read back from outside through the public API.

/** Every stored event named `event` in the account, through §3.4's cursor. */
export async function storedEvents(call, account, event) {
  const out = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ event, limit: "1000", ...(cursor ? { cursor } : {}) });
    const res = await call("read back", "GET", `/api/v1/events?${q}`, { key: account.user_api_key });
    if (res.status !== 200) throw new Error(`reading events: ${res.status} ${res.text.slice(0, 200)}`);
    out.push(...res.json.events);
    cursor = res.json.next_cursor;
  } while (cursor);
  return out;
}

/** Every run of every task of the account. */
export async function allRuns(call, account) {
  const tasks = await call("read back", "GET", "/api/v1/imports", { key: account.user_api_key });
  if (tasks.status !== 200) throw new Error(`listing tasks: ${tasks.status}`);
  const out = [];
  for (const task of tasks.json.imports) {
    const res = await call("read back", "GET", `/api/v1/imports/${task.id}/runs`, { key: account.user_api_key });
    if (res.status !== 200) throw new Error(`listing runs: ${res.status}`);
    for (const run of res.json.runs) out.push({ ...run, task_id: task.id });
  }
  return out;
}

export const ended = (run) => run.fetch.status === "failed" || (run.processing.status !== null && run.processing.status !== "processing");

/** Compares what was accepted with what is stored: missing, extra, duplicated, altered. */
export function compareStored(accepted, stored) {
  const byUuid = new Map();
  for (const e of stored) byUuid.set(e.event_uuid, (byUuid.get(e.event_uuid) ?? 0) + 1);
  const duplicates = [...byUuid.values()].filter((n) => n > 1).length;
  const missing = [...accepted.keys()].filter((u) => !byUuid.has(u));
  const extra = [...byUuid.keys()].filter((u) => !accepted.has(u));
  const altered = stored.filter((e) => {
    const sent = accepted.get(e.event_uuid);
    return sent && (e.customer_id !== sent.customer_id || e.attributes?.n !== sent.n || e.attributes?.note !== sent.note);
  });
  return {
    accepted: accepted.size,
    stored: stored.length,
    distinct: byUuid.size,
    duplicates,
    missing: missing.length,
    extra: extra.length,
    altered: altered.length,
  };
}

/** Distinct-uuid counts of imported events: stored rows and distinct uuids. */
export function countDistinct(stored) {
  return { stored: stored.length, distinct: new Set(stored.map((e) => e.event_uuid)).size };
}

/** Replays every parked dead letter not replayed yet (through the admin API); returns how many. */
export async function replayDeadLetters(call, adminToken) {
  const res = await call("read back", "GET", "/admin/dead-letters?limit=100", { admin: adminToken });
  if (res.status !== 200) throw new Error(`listing dead letters: ${res.status}`);
  let n = 0;
  for (const d of res.json.dead_letters.filter((x) => x.replays === 0)) {
    const r = await call("manage", "POST", `/admin/dead-letters/${encodeURIComponent(d.id)}/replay`, { admin: adminToken });
    if (r.status !== 202) throw new Error(`replaying ${d.id}: ${r.status}`);
    n++;
  }
  return n;
}
