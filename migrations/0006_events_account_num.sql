-- Events are stored under a small account number instead of the 36-character account id (see
-- src/db/schema.ts): accounts gain `num`, numbered in creation order, and events are copied into a
-- table keyed by it. Hand-written after drizzle-kit, whose plain ALTERs can't add a NOT NULL column
-- to a table with rows. An event whose account is missing fails the copy (NOT NULL) instead of being
-- dropped; no route deletes accounts. As in 0005, the copy is one statement: a D1 database with
-- millions of events should be migrated in ranges of seq instead (none existed when this was written).
ALTER TABLE `accounts` ADD `num` integer;--> statement-breakpoint
UPDATE `accounts` SET `num` = `numbered`.`n` FROM (SELECT `id`, row_number() OVER (ORDER BY `created_at`, `id`) AS `n` FROM `accounts`) AS `numbered` WHERE `accounts`.`id` = `numbered`.`id`;--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_num_idx` ON `accounts` (`num`);--> statement-breakpoint
CREATE TABLE `__new_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`account_num` integer NOT NULL,
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
INSERT INTO `__new_events`("seq", "account_num", "event_uuid", "event", "customer_id", "email", "device_id", "cookie", "product_ids", "timestamp", "ts_ms", "attributes", "source", "import_id", "run_id", "received_at") SELECT "seq", (SELECT `num` FROM `accounts` WHERE `accounts`.`id` = `events`.`account_id`), "event_uuid", "event", "customer_id", "email", "device_id", "cookie", "product_ids", "timestamp", "ts_ms", "attributes", "source", "import_id", "run_id", "received_at" FROM `events` ORDER BY "seq";--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
CREATE UNIQUE INDEX `events_account_uuid_idx` ON `events` (`account_num`,`event_uuid`);--> statement-breakpoint
CREATE INDEX `events_account_ts_idx` ON `events` (`account_num`,`ts_ms`);--> statement-breakpoint
CREATE INDEX `events_account_customer_idx` ON `events` (`account_num`,`customer_id`,`ts_ms`);--> statement-breakpoint
CREATE INDEX `events_account_email_idx` ON `events` (`account_num`,`email`,`ts_ms`);--> statement-breakpoint
CREATE INDEX `events_account_event_idx` ON `events` (`account_num`,`event`,`ts_ms`);
