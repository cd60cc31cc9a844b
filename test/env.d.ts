declare namespace Cloudflare {
  interface Env {
    /** Injected by vitest.config.mts from migrations/. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** An empty D1 database (vitest.config.mts) for test/db/migrations.test.ts. */
    MIGRATION_CHECK_DB: D1Database;
    /** The shard count of accounts test/support/client.ts creates (vitest.config.mts). */
    TEST_EVENT_SHARDS: string;
  }
}
