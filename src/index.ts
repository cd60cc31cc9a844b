import { database } from "./db/client";
import { expireEvents } from "./events/shards/retention";
import { driveSplits } from "./events/shards/split";
import { createApp } from "./http/app";
import { tick } from "./imports/runs/scheduler";
import { withRequestId } from "./lib/log";
import { queue } from "./queues";

export { EventShard } from "./events/shards/event-shard";

const app = createApp();

/** The cron: the import scheduler's tick, the moving of events for every running shard split, and retention. */
async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const db = database(env.DB);
  const jobs = await Promise.allSettled([tick(db, env, controller.scheduledTime), driveSplits(db, env), expireEvents(db, env, controller.scheduledTime)]);
  for (const r of jobs) if (r.status === "rejected") throw r.reason;
}

export default {
  fetch: app.fetch,
  queue: (batch, env) => withRequestId(crypto.randomUUID(), () => queue(batch, env)),
  scheduled: (controller, env, _ctx) => withRequestId(crypto.randomUUID(), () => scheduled(controller, env)),
} satisfies ExportedHandler<Env>;
