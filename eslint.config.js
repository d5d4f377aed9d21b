import prettier from 'eslint-config-prettier';
import path from 'node:path';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import { defineConfig, includeIgnoreFile } from 'eslint/config';
import globals from 'globals';
import ts from 'typescript-eslint';

const gitignorePath = path.resolve(import.meta.dirname, '.gitignore');

export default defineConfig(
	includeIgnoreFile(gitignorePath),
	js.configs.recommended,
	ts.configs.recommended,
	svelte.configs.recommended,
	prettier,
	svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			// typescript-eslint strongly recommend that you do not use the no-undef lint rule on TypeScript projects.
			// see: https://typescript-eslint.io/troubleshooting/faqs/eslint/#i-get-errors-from-the-no-undef-rule-about-global-variables-not-being-defined-even-though-there-are-no-typescript-errors
			'no-undef': 'off'
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser
			}
		}
	},
	{
		// Dependencies point one way: the server never imports UI modules. What both need
		// (the response contract, range presets, the breakdown catalogue) is in src/lib/stats.
		files: ['src/lib/server/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							// `$lib/components/…`, or a relative path that leaves src/lib/server for it.
							regex: '^(\\$lib/|(\\.\\./)+(lib/)?)components(/|$)',
							message:
								'src/lib/server must not import src/lib/components; move what both need to src/lib/stats.'
						}
					]
				}
			]
		}
	},
	{
		// The end-to-end specs take `test` and `expect` from the suite's own, which closes the
		// contexts a test leaves open, also in the browsers launched by `launchChromium`.
		files: ['tests/e2e/**'],
		ignores: ['tests/e2e/fixtures.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					paths: [
						{
							name: '@playwright/test',
							importNames: ['test', 'expect', 'chromium'],
							message:
								'Import test and expect from tests/e2e/fixtures.ts, and launch browsers with tests/support/browser.ts launchChromium.'
						}
					]
				}
			]
		}
	},
	{
		rules: {
			// couchstats is served at the root (no `paths.base`), and many links are built
			// from data (page paths, post slugs), which resolve() cannot type.
			'svelte/no-navigation-without-resolve': 'off',
			// A leading underscore marks a binding left unused on purpose.
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }
			]
		}
	}
);
