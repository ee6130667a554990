CREATE TABLE `progress_report_revisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` integer NOT NULL,
	`revision` integer NOT NULL,
	`action` text NOT NULL,
	`by_user_id` integer,
	`by_name` text NOT NULL,
	`snapshot` text NOT NULL,
	`changed` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `progress_reports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `progress_report_revisions_unique` ON `progress_report_revisions` (`report_id`,`revision`);--> statement-breakpoint
CREATE TABLE `revoked_tokens` (
	`token_id` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `throttle_buckets` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`window_start` integer NOT NULL,
	`locked_until` integer
);
--> statement-breakpoint
ALTER TABLE `attendance` ADD `confirmed_at` integer;--> statement-breakpoint
ALTER TABLE `attendance` ADD `confirmed_by` integer;--> statement-breakpoint
ALTER TABLE `attendance` ADD `revoked_at` integer;--> statement-breakpoint
ALTER TABLE `minutes_versions` ADD `void_reason` text;--> statement-breakpoint
ALTER TABLE `minutes_versions` ADD `voided_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `workshop_invitations` ADD `code` text;--> statement-breakpoint
CREATE UNIQUE INDEX `workshop_invitations_code_unique` ON `workshop_invitations` (`code`);--> statement-breakpoint
UPDATE `attendance` SET `confirmed_at` = `checked_in_at` WHERE `confirmed_at` IS NULL;
