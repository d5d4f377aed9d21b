import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { describe, expect, test } from 'vitest';
import { listenFree } from './server';

/** A server whose system hands out the given ports in turn for port 0. */
function serverHandingOut(ports: number[]) {
	const fake = Object.assign(new EventEmitter(), {
		bound: undefined as number | undefined,
		asked: [] as number[],
		listen(port: number, _host: string, done: () => void) {
			fake.asked.push(port);
			fake.bound = port || ports.shift();
			setImmediate(done);
		},
		address: () => ({ port: fake.bound }),
		close(done: () => void) {
			fake.bound = undefined;
			setImmediate(done);
		}
	});
	return fake;
}

describe("the embedded store's free port", () => {
	test("is asked for again when the system hands out the app's own port", async () => {
		const server = serverHandingOut([3000, 3000, 41234]);
		await listenFree(server as unknown as http.Server, 3000);
		expect(server.bound).toBe(41234);
		expect(server.asked).toEqual([0, 0, 0]);
	});

	test('is the first one handed out otherwise', async () => {
		const server = serverHandingOut([41234, 3000]);
		await listenFree(server as unknown as http.Server, 3000);
		expect(server.bound).toBe(41234);
		const anyPort = serverHandingOut([3000]);
		await listenFree(anyPort as unknown as http.Server, undefined);
		expect(anyPort.bound).toBe(3000);
	});
});
