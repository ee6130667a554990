import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Every way in from outside, read from src/routes the way SvelteKit reads it: each page
 * (`GET /forums/[forumId]`), each form action of a page (`POST /forums/[forumId]/institutions?/create`,
 * `POST /login` for a default action) and each method an endpoint exports (`DELETE /workshops/[workshopId]/collab-token`).
 * The security suite's access table must name exactly these.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const ROUTES = join(ROOT, 'src/routes');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'fallback'];

export function routeKeys(): string[] {
	const keys: string[] = [];
	const walk = (dir: string) => {
		const entries = readdirSync(dir, { withFileTypes: true });
		const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
		// Groups such as (app) are not part of the address.
		const id = '/' + relative(ROUTES, dir).split('/').filter((s) => s && !/^\(.*\)$/.test(s)).join('/');
		if (names.has('+page.svelte') || names.has('+page.server.ts') || names.has('+page.ts')) {
			keys.push(`GET ${id}`);
			if (names.has('+page.server.ts')) {
				for (const action of actionNames(join(dir, '+page.server.ts'))) keys.push(action === 'default' ? `POST ${id}` : `POST ${id}?/${action}`);
			}
		}
		if (names.has('+server.ts')) for (const method of exportedNames(join(dir, '+server.ts')).filter((n) => METHODS.includes(n))) keys.push(`${method} ${id}`);
		for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
	};
	walk(ROUTES);
	return keys.sort();
}

function parse(file: string): ts.SourceFile {
	return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

const isExported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function exportedNames(file: string): string[] {
	const names: string[] = [];
	for (const statement of parse(file).statements) {
		if (ts.isFunctionDeclaration(statement) && isExported(statement) && statement.name) names.push(statement.name.text);
		if (ts.isVariableStatement(statement) && isExported(statement))
			for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
		if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause))
			for (const e of statement.exportClause.elements) names.push(e.name.text);
	}
	return names;
}

/** `export const actions = { … }`, following spreads of local constants and of imported functions' returned objects. */
function actionNames(file: string): string[] {
	const source = parse(file);
	for (const statement of source.statements) {
		if (!ts.isVariableStatement(statement) || !isExported(statement)) continue;
		for (const d of statement.declarationList.declarations) {
			if (ts.isIdentifier(d.name) && d.name.text === 'actions' && d.initializer) return objectKeys(d.initializer, source);
		}
	}
	return [];
}

function unwrap(expr: ts.Expression): ts.Expression {
	while (ts.isSatisfiesExpression(expr) || ts.isAsExpression(expr) || ts.isParenthesizedExpression(expr)) expr = expr.expression;
	return expr;
}

function objectKeys(expression: ts.Expression, source: ts.SourceFile): string[] {
	const expr = unwrap(expression);
	if (ts.isObjectLiteralExpression(expr)) {
		return expr.properties.flatMap((p) => {
			if (ts.isSpreadAssignment(p)) return objectKeys(p.expression, source);
			const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : null;
			if (!name) throw new Error(`${source.fileName}: an action with a computed name cannot be read`);
			return [name];
		});
	}
	if (ts.isIdentifier(expr)) {
		const local = localConstant(source, expr.text);
		if (local) return objectKeys(local, source);
	}
	if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression)) {
		const fn = functionNamed(source, expr.expression.text);
		if (fn) return returnedKeys(fn.node, fn.source);
	}
	throw new Error(`${source.fileName}: cannot tell which actions ${expr.getText(source)} adds`);
}

function localConstant(source: ts.SourceFile, name: string): ts.Expression | null {
	for (const s of source.statements) {
		if (!ts.isVariableStatement(s)) continue;
		for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
	}
	return null;
}

/** A function declared in this file, or imported from a module of this project ($lib or relative). */
function functionNamed(source: ts.SourceFile, name: string): { node: ts.FunctionLikeDeclaration; source: ts.SourceFile } | null {
	for (const s of source.statements) {
		if (ts.isFunctionDeclaration(s) && s.name?.text === name) return { node: s, source };
		if (ts.isVariableStatement(s))
			for (const d of s.declarationList.declarations)
				if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer)))
					return { node: d.initializer, source };
		if (ts.isImportDeclaration(s) && s.importClause?.namedBindings && ts.isNamedImports(s.importClause.namedBindings)) {
			const spec = s.importClause.namedBindings.elements.find((e) => e.name.text === name);
			if (!spec) continue;
			const from = (s.moduleSpecifier as ts.StringLiteral).text;
			const base = from.startsWith('$lib/') ? join(ROOT, 'src/lib', from.slice(5)) : resolve(dirname(source.fileName), from);
			const file = [`${base}.ts`, join(base, 'index.ts')].find(existsSync);
			if (!file) return null;
			return functionNamed(parse(file), (spec.propertyName ?? spec.name).text);
		}
	}
	return null;
}

function returnedKeys(fn: ts.FunctionLikeDeclaration, source: ts.SourceFile): string[] {
	if (fn.body && !ts.isBlock(fn.body)) return objectKeys(fn.body, source);
	const keys: string[] = [];
	const visit = (node: ts.Node) => {
		// Returns of nested functions (the actions themselves) are not this function's.
		if (node !== fn && ts.isFunctionLike(node)) return;
		if (ts.isReturnStatement(node) && node.expression) keys.push(...objectKeys(node.expression, source));
		ts.forEachChild(node, visit);
	};
	ts.forEachChild(fn, visit);
	return keys;
}
