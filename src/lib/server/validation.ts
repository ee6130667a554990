import type { MessageKey } from '$lib/i18n/messages';

/** A message key with parameters: domain code stays language-neutral, routes translate. */
export type FieldMessage = { key: MessageKey; params?: Record<string, string | number> };

/** Bad input: thrown before anything is written, so nothing half-done is stored. */
export class InputError extends Error {
	/** `maxLengths`: the longest each field may be, so a refusal never echoes more than that back. */
	constructor(
		readonly errors: Record<string, FieldMessage>,
		readonly maxLengths: Record<string, number> = {}
	) {
		super(Object.values(errors)[0]?.key ?? 'error.invalid');
		this.name = 'InputError';
	}
}

/** Collects field errors while reading a form or object, then throws them all at once. */
export class InputReader {
	readonly errors: Record<string, FieldMessage> = {};
	readonly maxLengths: Record<string, number> = {};

	constructor(private readonly source: FormData | Record<string, unknown>) {}

	private raw(field: string): string {
		const value =
			this.source instanceof FormData ? this.source.get(field) : this.source[field];
		return typeof value === 'string' ? value : value == null ? '' : String(value);
	}

	fail(field: string, key: MessageKey, params?: FieldMessage['params']): void {
		this.errors[field] ??= { key, params };
	}

	/** Trimmed text; `required` rejects empty, `max` rejects over-long input instead of cutting it. */
	text(field: string, opts: { required?: boolean; max?: number } = {}): string {
		const value = this.raw(field).trim().replace(/\s+/g, ' ');
		const max = opts.max ?? 200;
		this.maxLengths[field] = max;
		if (opts.required && value === '') this.fail(field, 'error.required');
		else if (value.length > max) this.fail(field, 'error.tooLong', { max });
		return value;
	}

	/** Multi-line text: keeps line breaks. */
	paragraph(field: string, opts: { required?: boolean; max?: number } = {}): string {
		const value = this.raw(field).trim();
		const max = opts.max ?? 2000;
		this.maxLengths[field] = max;
		if (opts.required && value === '') this.fail(field, 'error.required');
		else if (value.length > max) this.fail(field, 'error.tooLong', { max });
		return value;
	}

	integer(field: string, opts: { min?: number; max?: number; required?: boolean } = {}): number | null {
		const value = this.raw(field).trim();
		if (value === '') {
			if (opts.required ?? true) this.fail(field, 'error.required');
			return null;
		}
		const n = Number(value);
		if (!Number.isInteger(n)) {
			this.fail(field, 'error.notNumber');
			return null;
		}
		if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
			this.fail(field, 'error.outOfRange', { min: opts.min ?? '', max: opts.max ?? '' });
			return null;
		}
		return n;
	}

	choice<T extends string>(field: string, options: readonly T[], opts: { required?: boolean } = {}): T | null {
		const value = this.raw(field).trim();
		if (value === '' && opts.required === false) return null;
		if (!(options as readonly string[]).includes(value)) {
			this.fail(field, value === '' ? 'error.required' : 'error.invalidChoice');
			return null;
		}
		return value as T;
	}

	date(field: string): string {
		const value = this.raw(field).trim();
		if (value === '') this.fail(field, 'error.required');
		else if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
			this.fail(field, 'error.invalidDate');
		return value;
	}

	time(field: string): string {
		const value = this.raw(field).trim();
		if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) this.fail(field, 'error.invalidTime');
		return value;
	}

	/** Indonesian phone numbers: optional, digits with an optional leading +, 8–15 digits. */
	phone(field: string): string {
		const value = this.raw(field).trim().replace(/[\s-]/g, '');
		if (value !== '' && !/^\+?\d{8,15}$/.test(value)) this.fail(field, 'error.invalidPhone');
		return value;
	}

	/** A checkbox: a browser sends `on` when ticked and nothing at all when not. */
	checked(field: string): boolean {
		return ['on', 'true', '1'].includes(this.raw(field).trim());
	}

	/** Throws the collected errors, if any. Call before writing anything. */
	done(): void {
		if (Object.keys(this.errors).length > 0) throw new InputError(this.errors, this.maxLengths);
	}
}
