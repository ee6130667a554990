CREATE TABLE `access_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`token_hash` text NOT NULL,
	`forum_id` integer,
	`role` text,
	`name` text DEFAULT '' NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`user_id` integer,
	`attendance_id` integer,
	`created_by` integer,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`forum_id`) REFERENCES `forums`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `access_links_token_hash_unique` ON `access_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `access_links_forum` ON `access_links` (`forum_id`);--> statement-breakpoint
CREATE TABLE `attendance_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`attendance_id` integer NOT NULL,
	`workshop_id` integer NOT NULL,
	`action` text NOT NULL,
	`before` text,
	`after` text,
	`by_user_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`attendance_id`) REFERENCES `attendance`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workshop_id`) REFERENCES `workshops`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
ALTER TABLE `attendance` ADD `signatory` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `attendance` ADD `removed_at` integer;--> statement-breakpoint
ALTER TABLE `forums` ADD `level` text DEFAULT 'kabupaten' NOT NULL;--> statement-breakpoint
ALTER TABLE `forums` ADD `place` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `forums` ADD `secretariat_address` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `forums` ADD `time_zone` text DEFAULT 'Asia/Jakarta' NOT NULL;--> statement-breakpoint
ALTER TABLE `forums` ADD `numbering_pattern` text DEFAULT '{n}/BA/{forum}/{month}/{year}' NOT NULL;--> statement-breakpoint
ALTER TABLE `forums` ADD `logo_sha256` text;--> statement-breakpoint
ALTER TABLE `forums` ADD `logo_mime` text;--> statement-breakpoint
ALTER TABLE `institutions` ADD `retired_at` integer;--> statement-breakpoint
ALTER TABLE `institutions` ADD `merged_into_id` integer;--> statement-breakpoint
ALTER TABLE `programmes` ADD `listed` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `is_admin` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `active` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `is_demo` integer DEFAULT false NOT NULL;