declare namespace Cloudflare {
  interface Env {
    /** Injected by vitest.config.mts from migrations/. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
