import { expect, test } from 'vitest';
import { canonicalPath, sourceFilter, sourceOf } from './records';

test.each([
	'/café',
	'/caf%C3%A9',
	'/a b',
	'/docs/*',
	'/app/#/users/café',
	'/app/#/{id}',
	'/😀',
	'/x"y<z>{}`',
	'/a%20b',
	'/\ud800x',
	'/'
])('canonicalPath(%j) is the path as a browser URL holds it', (path) => {
	const url = new URL(path, 'http://example.com');
	expect(canonicalPath(path)).toBe(url.pathname + url.hash);
	expect(canonicalPath(canonicalPath(path))).toBe(canonicalPath(path));
});

test.each([
	['(direct)', '(direct)'],
	['(Direct)', '(direct)'],
	['news.example.com', 'news.example.com'],
	['NEWS.Example.com', 'news.example.com'],
	['www.google.com', 'google.com'],
	['https://www.google.com/search?q=1', 'google.com'],
	['android-app://com.slack', 'com.slack']
])('sourceFilter(%j) names the source %j, as sourceOf names a session', (given, source) => {
	expect(sourceFilter(given)).toBe(source);
	if (given.includes('://')) expect(sourceOf(given)).toBe(source);
});
