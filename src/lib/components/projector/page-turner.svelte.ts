/**
 * Which page a projector screen shows, turning by itself every few seconds until someone holds it.
 *
 * The page and the hold live on the projector screen itself (and in its URL, so a reload or a
 * crashed browser comes back on the held page), not in the live document: pages are cut from what
 * fits on *this* screen, so "page 2" on a 720p projector and on a 1080p laptop are different rows,
 * and the moderator already turns pages from the projector's own keyboard (PageUp/PageDown). What
 * every screen must agree on, the cell being discussed, is follow-me, which is in the live document.
 */
import { replaceState } from '$app/navigation';

export const DEFAULT_PAGE_SECONDS = 15;
const MIN_PAGE_SECONDS = 2;
const MAX_PAGE_SECONDS = 300;

export class PageTurner {
	/** Zero-based; may exceed the page count until the screen has been measured. */
	private wanted = $state(0);
	total = $state(1);
	held = $state(false);
	/** Seconds each page stays when not held (`?seconds=` sets it for slow readers). */
	readonly seconds: number;
	private lastTurn = $state(Date.now());

	constructor(url: URL) {
		const params = url.searchParams;
		const seconds = Number(params.get('seconds'));
		this.seconds = Number.isFinite(seconds) && seconds >= MIN_PAGE_SECONDS ? Math.min(seconds, MAX_PAGE_SECONDS) : DEFAULT_PAGE_SECONDS;
		this.held = params.get('hold') === '1';
		const page = Number(params.get('page'));
		if (this.held && Number.isInteger(page) && page >= 1) this.wanted = page - 1;
	}

	get page(): number {
		return Math.min(this.wanted, this.total - 1);
	}

	get paged(): boolean {
		return this.total > 1;
	}

	setTotal(total: number): void {
		this.total = Math.max(1, total);
	}

	turn(step: number): void {
		if (this.total <= 1) return;
		this.wanted = (this.page + step + this.total) % this.total;
		this.lastTurn = Date.now();
		this.remember();
	}

	/** Shows a page because of something outside the screen (follow-me), held or not. */
	show(page: number): void {
		if (page === this.page) return;
		this.wanted = page;
		this.lastTurn = Date.now();
		this.remember();
	}

	toggleHold(): void {
		this.held = !this.held;
		this.lastTurn = Date.now();
		this.remember();
	}

	/** Called every second; turns when the page has been up long enough and nobody holds it. */
	tick(now: number, paused = false): void {
		if (paused) {
			this.lastTurn = now;
			return;
		}
		if (!this.held && this.total > 1 && now - this.lastTurn >= this.seconds * 1000) this.turn(1);
	}

	secondsLeft(now: number): number {
		return Math.max(0, Math.ceil((this.lastTurn + this.seconds * 1000 - now) / 1000));
	}

	/** A held page is written into the URL; an unheld screen keeps a clean URL. */
	private remember(): void {
		if (typeof location === 'undefined') return;
		const url = new URL(location.href);
		if (this.held) {
			url.searchParams.set('hold', '1');
			url.searchParams.set('page', String(this.page + 1));
		} else {
			url.searchParams.delete('hold');
			url.searchParams.delete('page');
		}
		if (url.href !== location.href) replaceState(url, {});
	}
}
