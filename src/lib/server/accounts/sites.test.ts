import * as v from 'valibot';
import { afterEach, expect, test, vi } from 'vitest';
import { isTimeZone, rangeZoneName, siteInputSchema, timeZoneName } from './sites';

afterEach(() => {
	vi.restoreAllMocks();
});

test('a time zone is checked once, and a name that is none stays refused', () => {
	// A spy's instance is no DateTimeFormat (its resolvedOptions throws): it makes a real one.
	const Real = Intl.DateTimeFormat;
	const formats = vi.spyOn(Intl, 'DateTimeFormat').mockImplementation(function (
		...args: ConstructorParameters<typeof Real>
	) {
		return new Real(...args);
	} as never);
	expect(isTimeZone('America/St_Johns')).toBe(true);
	expect(isTimeZone('America/St_Johns')).toBe(true);
	expect(formats).toHaveBeenCalledTimes(1);
	expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
	expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
	expect(isTimeZone('')).toBe(false);
	expect(formats).toHaveBeenCalledTimes(4);
});

test('more than 50 host names are refused saying so, as the other fields are', () => {
	// An outside probe: 500 were told valibot's "Invalid length: Expected <=50 but received 500".
	const site = { id: 'many', name: 'Many', timeZone: 'UTC' };
	const hostnames = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.test`);
	expect(v.safeParse(siteInputSchema, { ...site, hostnames: hostnames(50) }).success).toBe(true);
	const result = v.safeParse(siteInputSchema, { ...site, hostnames: hostnames(500) });
	expect(result.issues?.map((issue) => issue.message)).toEqual([
		'must list at most 50 host names (got 500)'
	]);
});

test.each([
	['tab\there', 'must not contain control characters'],
	// An outside probe: shown as "Café live" to co-owners.
	[
		'Café \u202eevil\u202c',
		'must not contain invisible characters that change how text shows (U+202E)'
	],
	['zero\u200bwidth', 'must not contain invisible characters that change how text shows (U+200B)']
])('a site named %j is refused: %s', (name, message) => {
	const result = v.safeParse(siteInputSchema, {
		id: 'named',
		name,
		hostnames: ['named.test'],
		timeZone: 'UTC'
	});
	expect(result.issues?.map((issue) => issue.message)).toEqual([message]);
});

test('a site keeps its zone as the zone database writes it, whatever case it was given in', () => {
	const site = { id: 'zoned', name: 'Zoned', hostnames: ['zoned.test'] };
	for (const [given, stored] of [
		['europe/berlin', 'Europe/Berlin'],
		['utc', 'UTC'],
		['Asia/Calcutta', 'Asia/Calcutta']
	]) {
		const result = v.safeParse(siteInputSchema, { ...site, timeZone: given });
		expect(result.success && result.output.timeZone).toBe(stored);
	}
});

test('a site name may hold the joiners words and emoji need', () => {
	const name = 'می\u200cخواهم 👩\u200d💻';
	const result = v.safeParse(siteInputSchema, {
		id: 'named',
		name,
		hostnames: ['named.test'],
		timeZone: 'UTC'
	});
	expect(result.success && result.output.name).toBe(name);
});

test.each([
	['Europe/berlin', 'Europe/Berlin'],
	['EUROPE/BERLIN', 'Europe/Berlin'],
	['europe/berlin', 'Europe/Berlin'],
	['Europe/Berlin', 'Europe/Berlin'],
	['utc', 'UTC'],
	['UTC', 'UTC'],
	['america/st_johns', 'America/St_Johns'],
	['asia/kathmandu', 'Asia/Kathmandu'],
	// Aliases keep their own name (Node 20's Intl names Asia/Kolkata Asia/Calcutta), as the
	// zone picker writes it when it lists it.
	['Asia/Kolkata', 'Asia/Kolkata'],
	['asia/kolkata', 'Asia/Kolkata'],
	['Asia/Calcutta', 'Asia/Calcutta'],
	['US/Pacific', 'US/Pacific'],
	['Etc/UTC', 'Etc/UTC'],
	['Mars/Olympus_Mons', null],
	['', null]
])('the time zone %j is named %j', (tz, name) => {
	expect(timeZoneName(tz)).toBe(name);
	expect(isTimeZone(tz)).toBe(name !== null);
});

// One zone under two names is one zone: the site's name, so that a range names the site's
// zone exactly when it is in it (an outside review: US/Pacific on an America/Los_Angeles
// site was told that its visitors may count on two days).
test.each([
	['US/Pacific', 'America/Los_Angeles', 'America/Los_Angeles'],
	['US/PACIFIC', 'America/Los_Angeles', 'America/Los_Angeles'],
	['America/Los_Angeles', 'US/Pacific', 'US/Pacific'],
	['Etc/UTC', 'UTC', 'UTC'],
	['GMT', 'UTC', 'UTC'],
	['Asia/Calcutta', 'Asia/Kolkata', 'Asia/Kolkata'],
	['Asia/Kolkata', 'Asia/Calcutta', 'Asia/Calcutta'],
	['europe/berlin', 'Europe/Berlin', 'Europe/Berlin'],
	// Other zones keep their own names, aliases included.
	['US/Pacific', 'America/Vancouver', 'US/Pacific'],
	['asia/kolkata', 'UTC', 'Asia/Kolkata'],
	['Mars/Olympus_Mons', 'UTC', null],
	['UTC', 'Mars/Olympus_Mons', 'UTC']
])('tz %j on a site in %j is read in the zone named %j', (tz, site, name) => {
	expect(rangeZoneName(tz, site)).toBe(name);
});

test('an entry with ! (a host kept out) is stored as the others, in lowercase and as browsers send it', () => {
	const site = { id: 'wild', name: 'Wild', timeZone: 'UTC' };
	const result = v.safeParse(siteInputSchema, {
		...site,
		hostnames: ['*.Example.com', '!Staging.Example.com', '!*.bücher.example:0443']
	});
	expect(result.success && result.output.hostnames).toEqual([
		'*.example.com',
		'!staging.example.com',
		'!*.xn--bcher-kva.example:443'
	]);
	expect(v.safeParse(siteInputSchema, { ...site, hostnames: ['!!a.example'] }).success).toBe(false);
	expect(v.safeParse(siteInputSchema, { ...site, hostnames: ['*.!a.example'] }).success).toBe(
		false
	);
});
