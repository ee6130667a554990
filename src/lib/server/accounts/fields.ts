import { InputReader } from '../validation';
import { passwordProblem } from './passwords';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Source = FormData | Record<string, unknown>;

/** Passwords are taken exactly as typed: spaces and case count. */
function rawField(source: Source, field: string): string {
	const value = source instanceof FormData ? source.get(field) : source[field];
	return typeof value === 'string' ? value : '';
}

/** An email, lower-cased: accounts are found by it. */
export function readEmail(reader: InputReader, field = 'email'): string {
	const email = reader.text(field, { required: true, max: 200 }).toLowerCase();
	if (email && !EMAIL.test(email)) reader.fail(field, 'account.invalidEmail');
	return email;
}

export function readPersonName(reader: InputReader, field = 'name'): string {
	return reader.text(field, { required: true, max: 120 });
}

/** A new password typed twice (`password`, `passwordConfirm`), checked against the policy. */
export function readNewPassword(reader: InputReader, source: Source, email: string): string {
	const password = rawField(source, 'password');
	const problem = passwordProblem(password, email);
	if (problem) reader.fail('password', problem.key, problem.params);
	else if (password !== rawField(source, 'passwordConfirm')) reader.fail('passwordConfirm', 'password.mismatch');
	return password;
}

/** A password to check against an account (current password, signing in to accept an invitation). */
export function readPassword(reader: InputReader, source: Source, field = 'password'): string {
	const password = rawField(source, field);
	if (password === '') reader.fail(field, 'error.required');
	return password.slice(0, 200);
}
