import { database } from "./db/client";
import { createApp } from "./http/app";
import { tick } from "./imports/runs/scheduler";
import { withRequestId } from "./lib/log";
import { queue } from "./queues";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => withRequestId(crypto.randomUUID(), () => queue(batch, env)),
  scheduled: (controller, env, _ctx) => withRequestId(crypto.randomUUID(), () => tick(database(env.DB), env, controller.scheduledTime).then(() => undefined)),
} satisfies ExportedHandler<Env>;
