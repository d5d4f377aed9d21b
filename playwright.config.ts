import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './tests/support/browser';
import { WEB_SERVER_DATA_DIR, webServerAdmin, webServerCouchEnv } from './tests/e2e/web-server';

// COUCHSTATS_E2E_PORT lets two checkouts run their suites side by side.
const port = Number(process.env.COUCHSTATS_E2E_PORT ?? 4173);

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	// One worker: specs share the app and its store, and the machine has 2 cores.
	workers: 1,
	// One retry on CI: a spec that needs it is reported as "flaky" in the output, so an
	// intermittent failure stays visible without blocking a run on a loaded machine.
	retries: process.env.CI ? 1 : 0,
	timeout: 60_000,
	// Assertions wait for their condition up to 15 s, not Playwright's 5: on a busy
	// machine a server action (adding an owner hashes a password) can take longer.
	expect: { timeout: 15_000 },
	reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
	// With COUCHSTATS_TEST_COUCHDB_URL: removes the run's databases and accounts there.
	globalTeardown: './tests/e2e/global-teardown.ts',
	use: {
		baseURL: `http://localhost:${port}`,
		browserName: 'chromium',
		launchOptions: chromiumLaunch,
		trace: 'retain-on-failure'
	},
	webServer: {
		// The built app, exactly as `npm start` runs it, on a fresh embedded store (or on
		// COUCHSTATS_TEST_COUCHDB_URL under a fresh prefix: tests/e2e/web-server.ts).
		command: `rm -rf ${WEB_SERVER_DATA_DIR} && node scripts/serve.js`,
		url: `http://localhost:${port}/healthz`,
		reuseExistingServer: false,
		timeout: 60_000,
		stdout: 'pipe',
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://localhost:${port}`,
			BODY_SIZE_LIMIT: '1M',
			COUCHSTATS_DATA_DIR: WEB_SERVER_DATA_DIR,
			COUCHSTATS_ADMIN_PASSWORD: webServerAdmin.password,
			...webServerCouchEnv
		}
	}
});
