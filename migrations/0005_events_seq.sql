-- events gains seq (its rowid, storage order) as the tie-break between equal timestamps, and its
-- indexes drop the trailing event_uuid (see src/db/schema.ts). Hand-edited after drizzle-kit: the old
-- table has no seq column, so seq is copied from its rowid, in storage order; no foreign key
-- touches events, so the generated PRAGMA foreign_keys lines are gone. The copy is one statement:
-- on a D1 database with millions of events it can pass D1's per-query time limit; such a database
-- should be migrated in ranges of rowid instead (none existed when this was written).
CREATE TABLE `__new_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`event_uuid` text NOT NULL,
	`event` text NOT NULL,
	`customer_id` text,
	`email` text,
	`device_id` text,
	`cookie` text,
	`product_ids` text NOT NULL,
	`timestamp` text NOT NULL,
	`ts_ms` integer NOT NULL,
	`attributes` text NOT NULL,
	`source` text NOT NULL,
	`import_id` text,
	`run_id` text,
	`received_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_events`("seq", "account_id", "event_uuid", "event", "customer_id", "email", "device_id", "cookie", "product_ids", "timestamp", "ts_ms", "attributes", "source", "import_id", "run_id", "received_at") SELECT rowid, "account_id", "event_uuid", "event", "customer_id", "email", "device_id", "cookie", "product_ids", "timestamp", "ts_ms", "attributes", "source", "import_id", "run_id", "received_at" FROM `events` ORDER BY rowid;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
CREATE UNIQUE INDEX `events_account_uuid_idx` ON `events` (`account_id`,`event_uuid`);--> statement-breakpoint
CREATE INDEX `events_account_ts_idx` ON `events` (`account_id`,`ts_ms`);--> statement-breakpoint
CREATE INDEX `events_account_customer_idx` ON `events` (`account_id`,`customer_id`,`ts_ms`);--> statement-breakpoint
CREATE INDEX `events_account_email_idx` ON `events` (`account_id`,`email`,`ts_ms`);--> statement-breakpoint
CREATE INDEX `events_account_event_idx` ON `events` (`account_id`,`event`,`ts_ms`);