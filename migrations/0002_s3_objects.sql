CREATE TABLE `s3_objects` (
	`task_id` text NOT NULL,
	`key` text NOT NULL,
	`etag` text NOT NULL,
	`run_id` text NOT NULL,
	`imported_at` text NOT NULL,
	PRIMARY KEY(`task_id`, `key`, `etag`)
);
