ALTER TABLE `accounts` ADD `event_shards` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `split_from` integer;