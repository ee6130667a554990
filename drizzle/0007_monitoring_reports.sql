CREATE TABLE `beneficiary_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`forum_id` integer NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`forum_id`) REFERENCES `forums`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `reporting_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`forum_id` integer NOT NULL,
	`institution_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`created_by` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer,
	`revoked_by` integer,
	`last_used_at` integer,
	FOREIGN KEY (`forum_id`) REFERENCES `forums`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`institution_id`) REFERENCES `institutions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`revoked_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reporting_links_token_hash_unique` ON `reporting_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `reporting_links_forum` ON `reporting_links` (`forum_id`,`institution_id`);--> statement-breakpoint
CREATE TABLE `sealed_reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`forum_id` integer NOT NULL,
	`programme_id` integer,
	`period_type` text NOT NULL,
	`period_year` integer NOT NULL,
	`period_index` integer NOT NULL,
	`pdf` blob NOT NULL,
	`sha256` text NOT NULL,
	`certificate_fingerprint` text NOT NULL,
	`created_by` integer,
	`sealed_at` integer NOT NULL,
	FOREIGN KEY (`forum_id`) REFERENCES `forums`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`programme_id`) REFERENCES `programmes`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sealed_reports_sha256_unique` ON `sealed_reports` (`sha256`);--> statement-breakpoint
ALTER TABLE `beneficiary_counts` ADD `sex` text;--> statement-breakpoint
ALTER TABLE `beneficiary_counts` ADD `group_id` integer REFERENCES beneficiary_groups(id);--> statement-breakpoint
ALTER TABLE `progress_reports` ADD `status` text DEFAULT 'submitted' NOT NULL;--> statement-breakpoint
ALTER TABLE `progress_reports` ADD `return_reason` text;--> statement-breakpoint
ALTER TABLE `progress_reports` ADD `returned_at` integer;--> statement-breakpoint
ALTER TABLE `progress_reports` ADD `returned_by` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `progress_reports` ADD `spent_rupiah` integer;--> statement-breakpoint
ALTER TABLE `progress_reports` ADD `reporting_link_id` integer REFERENCES reporting_links(id);--> statement-breakpoint
UPDATE `progress_reports` SET `status` = 'verified' WHERE `verified_at` IS NOT NULL;
