#!/usr/bin/env node
/**
 * Builds `@couchstats/tracker` from the app's own sources, so the package ships the very
 * code the app's pages run and nothing moves: the tracker stays in `src/lib/tracker`,
 * the component in `src/lib/components/Analytics.svelte`.
 *
 * 1. Starting from the package's entries, follows every import (static, dynamic and
 *    type-only) through `src/lib` and copies exactly those files, at the same paths, to
 *    `.svelte-kit/lib` (svelte-package's input; `$lib` means it, see svelte.config.js),
 *    with the ambient declarations (`*.d.ts`) of their folders. Folder imports
 *    (`$lib/tracker`) are written out (`$lib/tracker/index.ts`), as Node's and other
 *    bundlers' ESM resolution needs; `$lib/tracker` left in prose (doc examples) becomes
 *    the package's name.
 * 2. Fails when a file imports a package the package's `dependencies` or
 *    `peerDependencies` do not declare, since an app installing it would not get it.
 * 3. Runs svelte-package (`dist/`: JavaScript, the component compiled from TypeScript,
 *    `.d.ts` types). Run by `npm pack` (prepack) and `npm run build` in this folder.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const here = import.meta.dirname;
const lib = path.resolve(here, '..', '..', 'src', 'lib');
const stage = path.join(here, '.svelte-kit', 'lib');
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));

/** The package's entries, relative to `src/lib` (see `exports` in package.json). */
const ENTRIES = ['tracker/index.ts', 'components/Analytics.svelte'];

/** The file an import names (`.ts`, or a folder's `index.ts`), or undefined. */
function resolveFile(base) {
	for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')])
		if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
	return undefined;
}

/** The import specifiers of a module (a `.svelte` file: of its scripts). */
function importsOf(file) {
	let code = fs.readFileSync(file, 'utf8');
	if (file.endsWith('.svelte'))
		code = [...code.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
	return ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);
}

/** The package a bare specifier belongs to (`$app/…` is SvelteKit's). */
function packageOf(specifier) {
	if (specifier.startsWith('$app/')) return '@sveltejs/kit';
	const parts = specifier.split('/');
	return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Every file the entries reach, with what each of its local specifiers lacks to name a
 * file (mostly nothing); and the packages they import.
 */
function closure() {
	const files = new Map();
	const packages = new Set();
	const queue = ENTRIES.map((entry) => path.join(lib, entry));
	for (const file of queue) {
		if (files.has(file)) continue;
		const local = new Map();
		files.set(file, local);
		for (const specifier of importsOf(file)) {
			const base = specifier.startsWith('$lib/')
				? path.join(lib, specifier.slice(5))
				: specifier.startsWith('.')
					? path.resolve(path.dirname(file), specifier)
					: undefined;
			if (!base) {
				packages.add(packageOf(specifier));
				continue;
			}
			const target = resolveFile(base);
			if (!target || path.relative(lib, target).startsWith('..'))
				throw new Error(`${path.relative(lib, file)}: cannot package the import "${specifier}"`);
			// What resolution added (`.ts`, `/index.ts`), written out in the copy.
			local.set(specifier, target.slice(base.length).split(path.sep).join('/'));
			queue.push(target);
		}
	}
	return { files, packages };
}

const { files, packages } = closure();
const declared = new Set([
	...Object.keys(pkg.dependencies ?? {}),
	...Object.keys(pkg.peerDependencies ?? {})
]);
const undeclared = [...packages].filter((name) => !declared.has(name));
if (undeclared.length)
	throw new Error(
		`the tracker imports ${undeclared.join(', ')}: add to packages/tracker/package.json`
	);

fs.rmSync(stage, { recursive: true, force: true });
const folders = new Set();
for (const [file, local] of files) {
	let code = fs.readFileSync(file, 'utf8');
	for (const [specifier, missing] of local)
		if (missing)
			for (const quote of ["'", '"'])
				code = code.replaceAll(quote + specifier + quote, quote + specifier + missing + quote);
	// What is left names the entry in prose (doc comments, examples): the package's name.
	code = code.replace(/\$lib\/tracker(?=['"`])/g, pkg.name);
	const dest = path.join(stage, path.relative(lib, file));
	fs.mkdirSync(path.dirname(dest), { recursive: true });
	fs.writeFileSync(dest, code);
	folders.add(path.dirname(file));
}
for (const folder of folders)
	for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.d.ts')))
		fs.copyFileSync(path.join(folder, name), path.join(stage, path.relative(lib, folder), name));
console.log(
	`@couchstats/tracker: ${files.size} files from src/lib, importing ${[...packages].join(', ')}`
);

const require = createRequire(import.meta.url);
const cli = path.join(
	path.dirname(require.resolve('@sveltejs/package/package.json')),
	'svelte-package.js'
);
const run = spawnSync(process.execPath, [cli, '--output', 'dist'], { cwd: here, stdio: 'inherit' });
process.exit(run.status ?? 1);
