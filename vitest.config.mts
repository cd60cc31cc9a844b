import { resolve } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // The same folder drizzle-kit writes and wrangler applies.
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Small import chunks, so ordinary test files cross chunk boundaries.
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789",
            IMPORT_CHUNK_ROWS: "4",
            S3_LIST_PAGE_SIZE: "2", // so a handful of objects crosses listing pages
            SOURCE_TIMEOUT_SECONDS: "2", // so a stalled source is given up on (and retried) quickly
            // The plugin runs the Worker with no_handle_cross_request_promise_resolution, under which
            // a call waiting on another call's queue send can't resume in its own request; shared
            // sends are tested against wrangler dev instead (test/service/).
            SHARE_SINGLE_EVENT_SENDS: "false",
            SHARD_SPLIT_STEP_ROWS: "7", // so a split of a few dozen events takes many steps
            // The shard count of every account the tests create (test/support/client.ts): npm test
            // runs the whole suite with 1 and again with 8 (scripts/test.mjs).
            TEST_EVENT_SHARDS: process.env.EEI_TEST_SHARDS ?? "1",
          },
          // A small ingest limit, so a test can reach it: 6 limiter calls × a lease of 50 = 300 requests a
          // minute per account (no other test sends that many from one account).
          ratelimits: { INGEST_LIMITER: { namespace_id: "1001", simple: { limit: 6, period: 60 } } },
          // An empty database that test/db/migrations.test.ts migrates step by step.
          d1Databases: { MIGRATION_CHECK_DB: "migration-check" },
        },
      }),
    ],
    // wrangler.toml's [alias], which the test build does not read: the disarmed fault points.
    resolve: { alias: { "eei-faults": resolve(import.meta.dirname, "src/ops/faults/off.ts") } },
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      // Node-side servers the Worker reaches over HTTP: a SigV4-checking S3 server and a fault front.
      globalSetup: ["./test/support/servers.ts"],
    },
  };
});
