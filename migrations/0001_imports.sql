CREATE TABLE `run_chunks` (
	`run_id` text NOT NULL,
	`file_index` integer NOT NULL,
	`start_offset` integer NOT NULL,
	`rows` integer NOT NULL,
	`processed` integer NOT NULL,
	`errored` integer NOT NULL,
	PRIMARY KEY(`run_id`, `file_index`, `start_offset`)
);
--> statement-breakpoint
CREATE TABLE `run_errors` (
	`run_id` text NOT NULL,
	`file_index` integer NOT NULL,
	`line` integer NOT NULL,
	`cells` text NOT NULL,
	`error` text NOT NULL,
	PRIMARY KEY(`run_id`, `file_index`, `line`)
);
--> statement-breakpoint
CREATE TABLE `run_files` (
	`run_id` text NOT NULL,
	`file_index` integer NOT NULL,
	`name` text NOT NULL,
	`r2_key` text NOT NULL,
	`bytes` integer NOT NULL,
	`identity` text NOT NULL,
	`header` text,
	`gzip` integer,
	`encoding` text,
	`newline` text,
	`next_offset` integer DEFAULT 0 NOT NULL,
	`next_line` integer DEFAULT 1 NOT NULL,
	`next_row` integer DEFAULT 0 NOT NULL,
	`done` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`run_id`, `file_index`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`task_id` text NOT NULL,
	`created_at` text NOT NULL,
	`fetch_status` text NOT NULL,
	`fetch_started_at` text NOT NULL,
	`fetch_ended_at` text,
	`fetch_error` text,
	`processing_status` text,
	`processing_started_at` text,
	`processing_ended_at` text,
	`processing_error` text,
	`rows_total` integer DEFAULT 0 NOT NULL,
	`rows_processed` integer DEFAULT 0 NOT NULL,
	`rows_errored` integer DEFAULT 0 NOT NULL,
	`progress_at` text NOT NULL,
	`resumes` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_task_idx` ON `runs` (`task_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `runs_active_idx` ON `runs` (`processing_status`,`progress_at`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`secrets` text,
	`schedule` text NOT NULL,
	`format` text NOT NULL,
	`mapping` text NOT NULL,
	`default_event` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`anchor_at` text,
	`last_slot_at` text,
	`next_run_at` text,
	`once_done` integer DEFAULT false NOT NULL,
	`file_key` text,
	`file_name` text,
	`file_bytes` integer,
	`file_etag` text
);
--> statement-breakpoint
CREATE INDEX `tasks_account_idx` ON `tasks` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_due_idx` ON `tasks` (`status`,`next_run_at`);