#!/usr/bin/env node
/**
 * `npm test`: every check, in order, without stopping at the first failure — a failing
 * unit test must not hide what the browser suite would have said. The one dependency
 * is the build: the end-to-end suite runs against the built app, so it is skipped
 * (and reported) only when the build failed. Prints one summary line per stage and
 * exits 1 when any stage failed.
 */
import { spawnSync } from 'node:child_process';

/** Stages in the order they run: a name, the npm script, and what it needs. */
const STAGES = [
	{ name: 'typecheck', script: 'check' },
	{ name: 'lint', script: 'lint' },
	{ name: 'build', script: 'build' },
	{ name: 'unit + integration', script: 'test:unit' },
	{ name: 'end-to-end', script: 'test:e2e', needs: 'build' }
];

const results = new Map();
for (const stage of STAGES) {
	if (stage.needs && results.get(stage.needs) !== 'passed') {
		results.set(stage.name, `skipped (${stage.needs} failed)`);
		continue;
	}
	const started = Date.now();
	console.log(`\n── npm test: ${stage.name} (npm run ${stage.script})`);
	const run = spawnSync('npm', ['run', stage.script], { stdio: 'inherit' });
	const seconds = Math.round((Date.now() - started) / 1000);
	results.set(
		stage.name,
		run.status === 0 ? 'passed' : `FAILED (exit ${run.status ?? run.signal})`
	);
	console.log(`── npm test: ${stage.name} ${results.get(stage.name)} in ${seconds} s`);
}

console.log('\nnpm test summary:');
for (const [name, result] of results) console.log(`  ${name}: ${result}`);
const failed = [...results.values()].some((result) => result !== 'passed');
process.exit(failed ? 1 : 0);
