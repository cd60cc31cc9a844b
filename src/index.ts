import { database } from "./db/client";
import { createApp } from "./http/app";
import { tick } from "./imports/scheduler";
import { queue } from "./pipeline/queue";

const app = createApp();

export default {
  fetch: app.fetch,
  queue,
  async scheduled(controller, env, _ctx) {
    await tick(database(env.DB), env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
