import { apiEventsHeader, packEventRows, sendEventsMessages } from "./queue-message";

/**
 * Group commit for single-event calls. Each `POST /event` would otherwise cost one queue send; under
 * load, the calls in flight in an isolate share sends instead: while one call (the leader) sends,
 * the calls arriving meanwhile wait, and when the send returns the next leader sends everything that
 * waited, packed into one message per account. An idle isolate still sends at once (a lone call
 * leads immediately), so coalescing adds no delay; a busy one sends far fewer, larger messages.
 *
 * Why it is built this way (workerd's rules on sharing work across requests):
 * - Every waiter awaits a promise it created itself, so its continuation runs in its own request.
 * - Whoever sends is a request that is itself waiting for that send: I/O is never made on behalf
 *   of a request that has already finished. Leadership passes by resolving the next waiter's own
 *   promise with "lead", and that request makes the next send.
 * - A waiter never waits forever: if a leader's request is cancelled mid-send (its client went
 *   away), its waiters time out, and each either takes over the leadership (its row was not taken
 *   yet) or sends its own row again. Storing is idempotent on event_uuid, so a row sent twice is
 *   stored once.
 */
const WAIT_MS = 5_000;

type Outcome = "sent" | "lead" | "timeout" | { error: unknown };

interface Waiter {
  accountId: string;
  row: string;
  /** The first outcome given to this waiter, if any (a late "lead" must still be passed on). */
  given?: Outcome;
  settle(outcome: Outcome): void;
}

interface Line {
  waiting: Waiter[];
  leading: boolean;
}

// One line per queue binding (tests may hand the app more than one environment).
const lines = new WeakMap<Queue, Line>();

/**
 * Queues one API event row (rows.ts) for `accountId`; resolves once it is on the queue. With
 * `shared` false (SHARE_SINGLE_EVENT_SENDS="false") the row gets a send of its own.
 */
export async function sendSingleEvent(queue: Queue, accountId: string, row: string, shared = true): Promise<void> {
  if (!shared) return sendAlone(queue, accountId, row);
  let line = lines.get(queue);
  if (!line) {
    line = { waiting: [], leading: false };
    lines.set(queue, line);
  }
  const { promise, resolve } = Promise.withResolvers<Outcome>();
  const me: Waiter = {
    accountId,
    row,
    settle: (o) => {
      me.given ??= o;
      resolve(o);
    },
  };
  line.waiting.push(me);
  if (!line.leading) {
    // Nobody is sending: send now (with whatever else is waiting) instead of waiting.
    me.given = "lead";
    return lead(queue, line, me);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The timer is also what keeps this request's context alive while it waits on other requests.
  const deadline = new Promise<Outcome>((r) => (timer = setTimeout(() => r("timeout"), WAIT_MS)));
  const outcome = await Promise.race([promise, deadline]);
  clearTimeout(timer);
  if (outcome === "sent") return;
  if (typeof outcome === "object") throw outcome.error;
  if (outcome === "timeout" && !line.waiting.includes(me)) {
    // A leader took the row and never answered: send it again ourselves (idempotent downstream).
    await sendAlone(queue, accountId, row);
    // The leadership may have reached us after we stopped waiting: pass it on.
    if (me.given === "lead") await lead(queue, line, me);
    return;
  }
  // "lead", or a timeout with our row still waiting (the leader is gone): send all that waits.
  await lead(queue, line, me);
}

async function lead(queue: Queue, line: Line, me: Waiter): Promise<void> {
  line.leading = true;
  const batch = line.waiting.splice(0);
  let failure: { error: unknown } | undefined;
  try {
    await sendEventsMessages(queue, pack(batch));
  } catch (error) {
    failure = { error };
  } finally {
    for (const w of batch) if (w !== me) w.settle(failure ?? "sent");
    const next = line.waiting[0];
    if (next) next.settle("lead");
    else line.leading = false;
  }
  if (failure) throw failure.error;
}

function sendAlone(queue: Queue, accountId: string, row: string): Promise<void> {
  return sendEventsMessages(queue, packEventRows(apiEventsHeader(accountId), [row]));
}

/** One message list for a batch: each account's rows under one header, split at the message limit. */
function pack(batch: readonly Waiter[]) {
  const byAccount = new Map<string, string[]>();
  for (const w of batch) {
    const rows = byAccount.get(w.accountId);
    if (rows) rows.push(w.row);
    else byAccount.set(w.accountId, [w.row]);
  }
  return [...byAccount].flatMap(([accountId, rows]) => packEventRows(apiEventsHeader(accountId), rows));
}
