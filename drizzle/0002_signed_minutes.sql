CREATE TABLE `minutes_signers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`minutes_version_id` integer NOT NULL,
	`attendance_id` integer,
	`institution_id` integer,
	`role` text NOT NULL,
	`name` text NOT NULL,
	`jabatan` text NOT NULL,
	`instansi` text NOT NULL,
	`link_token` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`decline_reason` text,
	`strokes` text,
	`signature_png` blob,
	`consent_text` text,
	`shown_hash` text,
	`signed_at` integer,
	`ip` text,
	`user_agent` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`minutes_version_id`) REFERENCES `minutes_versions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`attendance_id`) REFERENCES `attendance`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `minutes_signers_link_token_unique` ON `minutes_signers` (`link_token`);--> statement-breakpoint
CREATE INDEX `minutes_signers_version` ON `minutes_signers` (`minutes_version_id`);--> statement-breakpoint
CREATE TABLE `minutes_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workshop_id` integer NOT NULL,
	`version` integer NOT NULL,
	`nomor` text NOT NULL,
	`content` text NOT NULL,
	`text_hash` text NOT NULL,
	`matrix_version_id` integer,
	`finalized_at` integer NOT NULL,
	`finalized_by` integer,
	`voided_at` integer,
	FOREIGN KEY (`workshop_id`) REFERENCES `workshops`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`matrix_version_id`) REFERENCES `matrix_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`finalized_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `minutes_versions_unique` ON `minutes_versions` (`workshop_id`,`version`);--> statement-breakpoint
CREATE TABLE `seal_certificates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`forum_id` integer NOT NULL,
	`source` text NOT NULL,
	`p12` blob NOT NULL,
	`subject` text NOT NULL,
	`fingerprint` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`forum_id`) REFERENCES `forums`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `sealed_minutes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`minutes_version_id` integer NOT NULL,
	`pdf` blob NOT NULL,
	`sha256` text NOT NULL,
	`certificate_fingerprint` text NOT NULL,
	`sealed_at` integer NOT NULL,
	FOREIGN KEY (`minutes_version_id`) REFERENCES `minutes_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sealed_minutes_minutes_version_id_unique` ON `sealed_minutes` (`minutes_version_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `sealed_minutes_sha256_unique` ON `sealed_minutes` (`sha256`);