import { database } from "../db/client";
import { consumeEvents } from "./events-consumer";

/** The queue handler: every message on the events queue carries accepted events to store. */
export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await consumeEvents(database(env.DB), batch.messages);
}
