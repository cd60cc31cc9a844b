ALTER TABLE `run_files` ADD `kind` text DEFAULT 'csv' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `source_state` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `watermark_candidate` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `watermark` text;