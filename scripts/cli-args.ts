/**
 * The command line of the user-facing tools (`npm run import`, `npm run retention`):
 * `--help` (or `-h`) prints the usage on stdout and exits 0; an unknown option, an option
 * without its value or a stray argument prints one line saying what was wrong, then the
 * usage, on stderr, and exits 2. Never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A tool's name in messages (`couchstats import: …`) and its usage text. */
export interface Tool {
	name: string;
	usage: string;
}

/**
 * Parses `process.argv` as `parseArgs(config)` does, adding `--help`/`-h`.
 * Exits the process for `--help` (0) and for arguments that do not parse (2).
 */
export function parseCommandLine<T extends ParseArgsConfig>(
	tool: Tool,
	config: T
): ReturnType<typeof parseArgs<T>> {
	const withHelp = {
		...config,
		options: { ...config.options, help: { type: 'boolean' as const, short: 'h' } }
	} satisfies ParseArgsConfig;
	let parsed: ReturnType<typeof parseArgs<T>>;
	try {
		parsed = parseArgs(withHelp) as ReturnType<typeof parseArgs<T>>;
	} catch (e) {
		const code = (e as { code?: string }).code;
		if (!code?.startsWith('ERR_PARSE_ARGS_')) throw e;
		usageError(tool, problemOf(code, (e as Error).message));
	}
	if ((parsed.values as { help?: boolean }).help) {
		console.log(tool.usage);
		process.exit(0);
	}
	return parsed;
}

/** Prints `couchstats NAME: problem` and the usage on stderr, and exits 2. */
export function usageError(tool: Tool, problem: string): never {
	console.error(`couchstats ${tool.name}: ${problem}`);
	console.error(tool.usage);
	process.exit(2);
}

/** Node's message, shortened to what was wrong (its hint about `--` does not apply here). */
function problemOf(code: string, message: string): string {
	const option = /^(?:Unknown option|Option) '([^' ]+)/.exec(message)?.[1];
	if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
	if (message.endsWith('argument missing') && option) return `${option} needs a value`;
	const first = message.split('. ')[0];
	return first.charAt(0).toLowerCase() + first.slice(1);
}
