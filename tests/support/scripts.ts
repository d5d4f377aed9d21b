/**
 * Runs a command-line tool of `scripts/` (`npm run import`, `npm run retention`) as a
 * test's child process: one process (node with the tsx loader), so that a signal
 * really stops the tool, with its stdout and stderr collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** A started tool. */
export interface ToolRun {
	child: ChildProcess;
	/** Settles with the exit code (null when a signal stopped it) once its output is read. */
	exit: Promise<number | null>;
	stdout(): string;
	stderr(): string;
}

/**
 * Starts `scripts/<script>` with `args`, in the repository's root.
 * @param env Added to the test's environment; an `undefined` value unsets a variable.
 */
export function runTool(
	script: string,
	args: string[],
	env: Record<string, string | undefined> = {}
): ToolRun {
	const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], {
		cwd: root,
		env: Object.fromEntries(
			Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined)
		),
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => (stdout += chunk));
	child.stderr.on('data', (chunk) => (stderr += chunk));
	const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
	return { child, exit, stdout: () => stdout, stderr: () => stderr };
}
