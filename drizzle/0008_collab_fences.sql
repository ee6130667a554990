CREATE TABLE `collab_room_fences` (
	`room` text PRIMARY KEY NOT NULL,
	`fence` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `collab_updates` ADD `fence` integer DEFAULT 0 NOT NULL;