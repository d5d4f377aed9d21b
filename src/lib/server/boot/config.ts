import path from 'node:path';
import * as v from 'valibot';
import { StartupError } from '../errors';
import { readIngestConfig, type IngestConfig } from '../ingest/config';
import { ACCOUNT_NAME, FIRST_ACCOUNT } from './setup';
import { PASSWORD_MAX } from '../../account-limits';
import { STORE_WAIT_MS } from '../store-limit';
import { bodySizeLimit } from './launch-env.js';
import { retentionSetting, type RetentionSetting } from '../import/retention-period';

/**
 * Server configuration, read once from the environment and validated: by
 * `hooks.server.ts` `init` for the app, by `connectForScript` for a command-line
 * tool. Whoever needs a setting is given it from here; nothing else reads the
 * environment.
 */
export interface Config {
	/** CouchDB URL with admin credentials; unset means "start the embedded store". */
	couchdbUrl: URL | undefined;
	/** Prefix of every database name, so several installs can share one CouchDB. */
	dbPrefix: string;
	/** Absolute path of the directory holding the embedded store and its credentials. */
	dataDir: string;
	/** Port the app listens on. */
	port: number;
	/** Password for the first admin account; generated when unset. */
	adminPassword: string | undefined;
	/** Name of the first admin account. */
	adminName: string;
	/** Keep the embedded store in memory only (tests); nothing is written to dataDir but credentials. */
	memory: boolean;
	/** The `couchdb/` directory of design documents; unset means "find it" (`findCouchdbDir`). */
	couchdbDir: string | undefined;
	/** How long the app waits for the store's answer to one request, ms (store-limit.ts). */
	storeWaitMs: number;
	/**
	 * The longest any site keeps its records (`COUCHSTATS_RETENTION`, e.g. `400d`): the app
	 * deletes older ones daily (import/retention-schedule.ts); undefined: none, sites may
	 * set their own.
	 */
	retention: RetentionSetting | undefined;
	/** Settings of the endpoints tracked pages call (the ingest and the visitor endpoint). */
	ingest: IngestConfig;
	/**
	 * The longest request body adapter-node reads, bytes (`BODY_SIZE_LIMIT`, which
	 * `npm start` checked): the cap of the app's forms (read-form.ts).
	 */
	bodySizeLimit: number;
}

const urlSchema = v.pipe(
	v.string(),
	v.url('is not a URL'),
	v.check((s) => /^https?:/.test(s), 'must start with http:// or https://'),
	v.transform((s) => new URL(s))
);

const schema = v.object({
	COUCHDB_URL: v.optional(urlSchema),
	COUCHSTATS_DB_PREFIX: v.optional(
		v.pipe(
			v.string(),
			v.regex(
				/^[a-z][a-z0-9_-]{0,39}$/,
				'must be 1–40 lowercase letters, digits, _ or -, starting with a letter'
			)
		),
		'couchstats'
	),
	COUCHSTATS_DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1, 'is empty')), './.couchstats'),
	PORT: v.optional(
		v.pipe(
			v.string(),
			v.regex(/^\d{1,5}$/, 'is not a whole number'),
			v.transform(Number),
			v.integer(),
			v.minValue(1, 'must be 1–65535'),
			v.maxValue(65535, 'must be 1–65535')
		),
		'3000'
	),
	COUCHSTATS_ADMIN_PASSWORD: v.optional(
		v.pipe(
			v.string(),
			v.minLength(12, 'must be at least 12 characters'),
			v.maxLength(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`)
		)
	),
	COUCHSTATS_ADMIN_NAME: v.optional(
		v.pipe(
			v.string(),
			v.regex(ACCOUNT_NAME, 'must be 2–40 lowercase letters, digits, ".", "_" or "-"')
		),
		FIRST_ACCOUNT
	),
	COUCHSTATS_MEMORY: v.optional(
		v.picklist(['0', '1', 'true', 'false'], 'must be 0, 1, true or false'),
		'0'
	),
	COUCHSTATS_COUCHDB_DIR: v.optional(v.string()),
	COUCHSTATS_DB_TIMEOUT_MS: v.optional(
		v.pipe(
			v.string(),
			v.regex(/^\d{1,7}$/, 'is not a whole number'),
			v.transform(Number),
			v.minValue(500, 'must be 500–600000'),
			v.maxValue(600_000, 'must be 500–600000')
		),
		String(STORE_WAIT_MS)
	),
	COUCHSTATS_RETENTION: v.optional(
		v.pipe(
			v.string(),
			v.rawTransform(({ dataset, addIssue, NEVER }) => {
				const setting = retentionSetting(dataset.value);
				if (setting && 'days' in setting) return setting;
				// The line adds what it got itself.
				addIssue({ message: (setting?.refused ?? 'is empty').replace(/ \(got .*\)$/, '') });
				return NEVER;
			})
		)
	)
});

/** Variables whose values may be secrets: a message names them, never shows their value. */
const SECRETS = new Set(['COUCHDB_URL', 'COUCHSTATS_ADMIN_PASSWORD']);

const fixes: Record<string, string> = {
	COUCHDB_URL: 'set it to http://USER:PASSWORD@HOST:5984, or unset it to use the embedded store',
	COUCHSTATS_DB_PREFIX: 'use e.g. COUCHSTATS_DB_PREFIX=couchstats',
	COUCHSTATS_DATA_DIR: 'point it at a writable directory, e.g. ./.couchstats',
	PORT: 'use e.g. PORT=3000',
	COUCHSTATS_ADMIN_PASSWORD: `choose one of 12–${PASSWORD_MAX} characters, or unset it to have one generated`,
	COUCHSTATS_ADMIN_NAME: 'use e.g. COUCHSTATS_ADMIN_NAME=owner',
	COUCHSTATS_MEMORY: 'set COUCHSTATS_MEMORY=1 or unset it',
	COUCHSTATS_DB_TIMEOUT_MS: 'use e.g. COUCHSTATS_DB_TIMEOUT_MS=20000, or unset it',
	COUCHSTATS_RETENTION:
		'use e.g. COUCHSTATS_RETENTION=400d, or unset it to keep records until deleted'
};

/**
 * Reads and validates the configuration, with its ingest part; the one loader.
 * Empty strings count as unset, as most shells and `.env` files intend.
 * @param env The environment (`process.env`, passed by the entry point).
 * @throws {StartupError} naming the first bad variable and how to fix it.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
	// The ingest part first: start-up reported its variables first before there was one loader.
	const ingest = readIngestConfig(env);
	const input = Object.fromEntries(
		Object.keys(schema.entries)
			.filter((key) => env[key] !== undefined && env[key] !== '')
			.map((key) => [key, env[key]])
	);
	const result = v.safeParse(schema, input);
	if (!result.success) {
		const issue = result.issues[0];
		const key = String(v.getDotPath(issue) ?? 'configuration');
		const shown = SECRETS.has(key) ? '' : ` (got "${String(input[key])}")`;
		throw new StartupError(`${key} ${issue.message}${shown}`, fixes[key] ?? 'fix the value');
	}
	const out = result.output;
	return {
		couchdbUrl: out.COUCHDB_URL,
		dbPrefix: out.COUCHSTATS_DB_PREFIX,
		dataDir: path.resolve(out.COUCHSTATS_DATA_DIR),
		port: out.PORT,
		adminPassword: out.COUCHSTATS_ADMIN_PASSWORD,
		adminName: out.COUCHSTATS_ADMIN_NAME,
		memory: out.COUCHSTATS_MEMORY === '1' || out.COUCHSTATS_MEMORY === 'true',
		couchdbDir: out.COUCHSTATS_COUCHDB_DIR && path.resolve(out.COUCHSTATS_COUCHDB_DIR),
		storeWaitMs: out.COUCHSTATS_DB_TIMEOUT_MS,
		retention: out.COUCHSTATS_RETENTION,
		ingest,
		bodySizeLimit: bodySizeLimit(env.BODY_SIZE_LIMIT)
	};
}

/** A URL with its password replaced by `***`, for logs and messages. */
export function redact(url: URL): string {
	const copy = new URL(url);
	if (copy.password) copy.password = '***';
	return copy.toString();
}
