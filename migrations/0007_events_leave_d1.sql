DROP TABLE `events`;--> statement-breakpoint
DROP INDEX `accounts_num_idx`;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `num`;