/** What a form action answered, read the same way by every setup form. */
export type FormFeedback = {
	action: string | null;
	errors: Record<string, string>;
	values: Record<string, string>;
	saved: string | null;
};

export function formFeedback(form: unknown): FormFeedback {
	const f = (form ?? {}) as Partial<Record<'action' | 'errors' | 'values' | 'saved', unknown>>;
	return {
		action: typeof f.action === 'string' ? f.action : null,
		errors: (f.errors as Record<string, string> | undefined) ?? {},
		values: (f.values as Record<string, string> | undefined) ?? {},
		saved: typeof f.saved === 'string' ? f.saved : null
	};
}
