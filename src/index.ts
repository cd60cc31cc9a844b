import { createApp } from "./http/app";
import { queue } from "./pipeline/queue";

const app = createApp();

export default {
  fetch: app.fetch,
  queue,
} satisfies ExportedHandler<Env>;
