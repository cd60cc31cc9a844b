CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_keys_account_idx` ON `api_keys` (`account_id`);--> statement-breakpoint
CREATE TABLE `events` (
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
	`received_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `event_uuid`)
);
--> statement-breakpoint
CREATE INDEX `events_account_ts_idx` ON `events` (`account_id`,`ts_ms`,`event_uuid`);--> statement-breakpoint
CREATE INDEX `events_account_customer_idx` ON `events` (`account_id`,`customer_id`,`ts_ms`,`event_uuid`);--> statement-breakpoint
CREATE INDEX `events_account_email_idx` ON `events` (`account_id`,`email`,`ts_ms`,`event_uuid`);--> statement-breakpoint
CREATE INDEX `events_account_event_idx` ON `events` (`account_id`,`event`,`ts_ms`,`event_uuid`);