/**
 * JSON with object keys sorted at every level, so the same content always gives the same bytes
 * and so the same SHA-256 (frozen matrix versions, finalised minutes).
 */
export function canonicalJson(value: unknown): string {
	const sort = (v: unknown): unknown =>
		Array.isArray(v)
			? v.map(sort)
			: v && typeof v === 'object'
				? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
				: v;
	return JSON.stringify(sort(value));
}
