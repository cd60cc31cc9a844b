import { beforeAll, describe, expect, it } from "vitest";
import { backoffSeconds } from "../../src/lib/retry";
import { type Account, createAccount, deliver } from "../support/client";
import { eventsMessage } from "../support/messages";
import { renameInShards } from "../support/shards";

// This file breaks its account's shards on purpose; storage is isolated per test file, so no other file sees it.
let acct: Account;
beforeAll(async () => {
  acct = await createAccount("consumer");
});

describe("the events queue consumer", () => {
  it("acks the good messages of a batch and retries a malformed one at once (towards the DLQ)", async () => {
    const good = eventsMessage(acct.account_id, [{ event: "ok", customer_id: "c1" }]);
    const result = await deliver([good, `{"kind":"events","v":1}\n[]`, { not: "text" }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(2);
    expect(result.ackAll).toBe(false);
  });

  it("acks a batch whose messages are all stored with one ackAll", async () => {
    const result = await deliver([
      eventsMessage(acct.account_id, [{ event: "ok", customer_id: "c2" }]),
      eventsMessage(acct.account_id, [{ event: "ok", customer_id: "c3" }]),
    ]);
    expect(result.ackAll).toBe(true);
    expect(result.retryMessages).toHaveLength(0);
  });

  it("never acks a message whose events could not be stored", async () => {
    await renameInShards(acct.account_id, "events", "events_gone");
    try {
      const result = await deliver([eventsMessage(acct.account_id, [{ event: "lost", customer_id: "c1" }])], 3);
      expect(result.explicitAcks).toHaveLength(0);
      expect(result.ackAll).toBe(false);
      expect(result.retryMessages).toHaveLength(1);
    } finally {
      await renameInShards(acct.account_id, "events_gone", "events");
    }
  });
});

describe("retry backoff", () => {
  // getQueueResult does not report delaySeconds locally, so the schedule is checked on its own.
  it("doubles from 2 s and stops growing at 5 minutes", () => {
    expect([1, 2, 3, 4, 8, 9, 50].map(backoffSeconds)).toEqual([2, 4, 8, 16, 256, 300, 300]);
  });
});
