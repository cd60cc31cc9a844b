CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`content_type` text NOT NULL,
	`body` text NOT NULL,
	`parked_at` text NOT NULL,
	`replayed_at` text,
	`replays` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letters_parked_idx` ON `dead_letters` (`parked_at`);