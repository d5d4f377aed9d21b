/**
 * `_design/validate`: CouchDB's `validate_doc_update` for the events database. It
 * repeats the essentials of the ingest's schemas (src/lib/server/ingest/schema.ts)
 * as defence in depth, so even a mistake in the endpoint cannot store a malformed
 * record: the id scheme and its derived revision, the known fields of each record
 * type and their types, bounded string lengths and document size.
 *
 * Admins (`_admin` role) may delete records (the retention tool does) and write
 * design documents (set-up does); everything else, admins included, must be a
 * well-formed record. CouchDB runs this function as ES5 source: no closures over
 * module scope, no modern syntax.
 */

/**
 * @param {any} newDoc
 * @param {any} oldDoc
 * @param {{ roles?: string[] } | null} userCtx
 */
export const validateRecord = function (newDoc, oldDoc, userCtx) {
	var isAdmin = !!(userCtx && userCtx.roles && userCtx.roles.indexOf('_admin') !== -1);
	/** @param {string} reason @returns {never} */
	function refuse(reason) {
		throw { forbidden: reason };
	}
	/** @param {object} object @param {string} key */
	function has(object, key) {
		return Object.prototype.hasOwnProperty.call(object, key);
	}
	/** @param {unknown} value @param {number} max @returns {value is string} */
	function isString(value, max) {
		return typeof value === 'string' && value.length <= max;
	}
	/**
	 * Text as the ingest stores it: a string of at most max characters without control
	 * characters (U+0000-U+001F, U+007F), which the ingest refuses in an address and
	 * makes spaces in a page's text (src/lib/text.ts), as the importer does in a restored
	 * export's (src/lib/server/ingest/visitor-text.ts).
	 * @param {unknown} value @param {number} max @returns {value is string}
	 */
	function isText(value, max) {
		// eslint-disable-next-line no-control-regex -- finding control characters is the point
		return isString(value, max) && !/[\u0000-\u001f\u007f]/.test(value);
	}
	/**
	 * An address as the ingest takes one: text of at most 512 characters (browsers
	 * percent-encode control characters), a path when path is true.
	 * @param {unknown} value @param {boolean} path @returns {value is string}
	 */
	function isAddress(value, path) {
		return isText(value, 512) && (!path || value.charAt(0) === '/');
	}
	/** @param {unknown} value @param {number} min @param {number} max */
	function isWhole(value, min, max) {
		return typeof value === 'number' && Math.floor(value) === value && value >= min && value <= max;
	}

	var id = newDoc._id;
	if (typeof id === 'string' && id.indexOf('_design/') === 0) {
		if (isAdmin) return;
		refuse('only an admin may write design documents');
	}
	if (newDoc._deleted) {
		if (isAdmin) return;
		refuse('records are immutable; only an admin may delete them');
	}

	var uuidv7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
	if (typeof id !== 'string' || !uuidv7.test(id)) refuse('_id must be a lowercase UUIDv7');
	if (newDoc._rev !== '1-' + id.replace(/-/g, '')) {
		refuse('_rev must be the revision derived from _id (write with new_edits: false)');
	}
	if (JSON.stringify(newDoc).length > 6000) refuse('the record is too large');

	var common = {
		_id: 1,
		_rev: 1,
		_revisions: 1,
		v: 1,
		type: 1,
		site: 1,
		ts: 1,
		sid: 1,
		vid: 1,
		path: 1,
		src: 1,
		land: 1,
		host: 1,
		receivedAt: 1,
		browser: 1,
		os: 1,
		device: 1,
		country: 1,
		bot: 1
	};
	/** @type {Record<string, Record<string, number>>} */
	var byType = {
		pageview: {
			title: 1,
			ref: 1,
			utm: 1,
			screen: 1,
			lang: 1,
			tz: 1,
			entry: 1,
			firstOfDay: 1,
			opensDay: 1,
			firstEver: 1,
			pathFirstOfDay: 1,
			srcFirstOfDay: 1,
			srcPathFirstOfDay: 1,
			hostFirstOfDay: 1,
			from: 1,
			left: 1,
			revisit: 1,
			trail: 1,
			notFound: 1
		},
		event: {
			name: 1,
			props: 1,
			firstOfSession: 1,
			firstOfDay: 1,
			opensDay: 1,
			propFirstOfSession: 1,
			propFirstOfDay: 1
		},
		heartbeat: { engagedMs: 1, scroll: 1, scrollFrom: 1, since: 1 },
		milestone: { milestone: 1, since: 1 },
		dropped: { count: 1 }
	};
	var type = newDoc.type;
	if (typeof type !== 'string' || !has(byType, type)) {
		refuse('type must be one of pageview, event, heartbeat, milestone, dropped');
	}
	for (var key in newDoc) {
		if (!has(common, key) && !has(byType[type], key)) {
			refuse(key + ' is not a field of a ' + type + ' record');
		}
	}

	if (newDoc.v !== 1) refuse('v must be 1');
	if (!isString(newDoc.site, 32) || !/^[a-z0-9][a-z0-9-]{1,31}$/.test(newDoc.site)) {
		refuse('site must be a site id');
	}
	if (!isWhole(newDoc.ts, 0, 8640000000000000)) refuse('ts must be epoch milliseconds');
	if (!isWhole(newDoc.receivedAt, 0, 8640000000000000)) {
		refuse('receivedAt must be epoch milliseconds');
	}
	if (typeof newDoc.sid !== 'string' || !uuidv7.test(newDoc.sid)) refuse('sid must be a UUIDv7');
	if (!isString(newDoc.vid, 64) || !/^[0-9A-Za-z_-]{16,64}$/.test(newDoc.vid)) {
		refuse('vid must be 16–64 URL-safe characters');
	}
	if (!isAddress(newDoc.path, true)) {
		refuse('path must be a path of at most 512 characters, without control characters');
	}
	if (
		'src' in newDoc &&
		(!isString(newDoc.src, 253) || !/^[^\s/?#:@<>\\^|%A-Z]+$/.test(newDoc.src))
	) {
		refuse(
			'src must be (direct) or a lowercase source name (a host or the utm_source of a tagged link) of at most 253 characters'
		);
	}
	if ('src' in newDoc && !isText(newDoc.src, 253))
		refuse('src must not contain control characters');
	if ('land' in newDoc && !isAddress(newDoc.land, true)) {
		refuse('land must be a path of at most 512 characters, without control characters');
	}
	// The page's host as a URL writes it, without a port (HOST_PATTERN in src/lib/records.ts).
	if (
		'host' in newDoc &&
		(!isString(newDoc.host, 253) ||
			!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/.test(newDoc.host))
	) {
		refuse(
			'host must be a host name as a URL writes it, without a port, of at most 253 characters'
		);
	}
	if ('browser' in newDoc && !isText(newDoc.browser, 40))
		refuse('browser must be at most 40 characters, without control characters');
	if ('os' in newDoc && !isText(newDoc.os, 40))
		refuse('os must be at most 40 characters, without control characters');
	if (
		'device' in newDoc &&
		['desktop', 'mobile', 'tablet', 'other'].indexOf(newDoc.device) === -1
	) {
		refuse('device must be desktop, mobile, tablet or other');
	}
	if ('country' in newDoc && !/^[A-Z]{2}$/.test(newDoc.country)) {
		refuse('country must be an ISO 3166-1 alpha-2 code');
	}
	if ('bot' in newDoc && typeof newDoc.bot !== 'boolean') refuse('bot must be true or false');

	// A pageview's or event's (the fields allowed by type above).
	if ('opensDay' in newDoc && typeof newDoc.opensDay !== 'boolean') {
		refuse('opensDay must be true or false');
	}
	if (type === 'pageview') {
		if (typeof newDoc.entry !== 'boolean') refuse('entry must be true or false');
		if (typeof newDoc.firstOfDay !== 'boolean') refuse('firstOfDay must be true or false');
		if (typeof newDoc.firstEver !== 'boolean') refuse('firstEver must be true or false');
		if ('title' in newDoc && !isText(newDoc.title, 256)) {
			refuse('title must be at most 256 characters, without control characters');
		}
		if ('ref' in newDoc && !isAddress(newDoc.ref, false)) {
			refuse('ref must be at most 512 characters, without control characters');
		}
		if ('from' in newDoc && !isAddress(newDoc.from, true)) {
			refuse('from must be a path of at most 512 characters, without control characters');
		}
		if ('left' in newDoc && !isAddress(newDoc.left, true)) {
			refuse('left must be a path of at most 512 characters, without control characters');
		}
		if ('trail' in newDoc) {
			// TRAIL_STEPS - 1 in src/lib/classify/rules.ts.
			var trail = newDoc.trail;
			if (!(trail instanceof Array) || trail.length > 3) {
				refuse('trail must be a list of at most 3 paths');
			}
			for (var ti = 0; ti < trail.length; ti++) {
				if (!isAddress(trail[ti], true)) {
					refuse('trail must hold paths of at most 512 characters, without control characters');
				}
			}
		}
		if ('tz' in newDoc && !isText(newDoc.tz, 64))
			refuse('tz must be at most 64 characters, without control characters');
		if ('lang' in newDoc && !isText(newDoc.lang, 35))
			refuse('lang must be at most 35 characters, without control characters');
		if (
			'screen' in newDoc &&
			['mobile', 'tablet', 'laptop', 'desktop'].indexOf(newDoc.screen) === -1
		) {
			refuse('screen must be mobile, tablet, laptop or desktop');
		}
		if ('pathFirstOfDay' in newDoc && typeof newDoc.pathFirstOfDay !== 'boolean') {
			refuse('pathFirstOfDay must be true or false');
		}
		if ('srcFirstOfDay' in newDoc && typeof newDoc.srcFirstOfDay !== 'boolean') {
			refuse('srcFirstOfDay must be true or false');
		}
		if ('srcPathFirstOfDay' in newDoc && typeof newDoc.srcPathFirstOfDay !== 'boolean') {
			refuse('srcPathFirstOfDay must be true or false');
		}
		if ('hostFirstOfDay' in newDoc && typeof newDoc.hostFirstOfDay !== 'boolean') {
			refuse('hostFirstOfDay must be true or false');
		}
		if ('notFound' in newDoc && typeof newDoc.notFound !== 'boolean') {
			refuse('notFound must be true or false');
		}
		if ('revisit' in newDoc && typeof newDoc.revisit !== 'boolean') {
			refuse('revisit must be true or false');
		}
		if ('utm' in newDoc) {
			var utm = newDoc.utm;
			if (typeof utm !== 'object' || utm === null || utm instanceof Array)
				refuse('utm must be an object');
			var utmKeys = { source: 1, medium: 1, campaign: 1, term: 1, content: 1 };
			for (var u in utm) {
				if (!has(utmKeys, u)) refuse('utm.' + u + ' is not allowed');
				if (!isText(utm[u], 128)) {
					refuse('utm.' + u + ' must be at most 128 characters, without control characters');
				}
			}
		}
	} else if (type === 'event') {
		if (!isText(newDoc.name, 64) || newDoc.name.length === 0) {
			refuse('name must be 1–64 characters, without control characters');
		}
		if ('props' in newDoc) {
			var props = newDoc.props;
			if (typeof props !== 'object' || props === null || props instanceof Array) {
				refuse('props must be an object');
			}
			var count = 0;
			for (var p in props) {
				count++;
				if (!isText(p, 64) || p.length === 0) {
					refuse('props must have names of 1–64 characters, without control characters');
				}
				var value = props[p];
				var ok =
					isText(value, 256) ||
					typeof value === 'boolean' ||
					(typeof value === 'number' && isFinite(value));
				if (!ok) {
					refuse(
						'props.' +
							p +
							' must be a number, a boolean or at most 256 characters without control characters'
					);
				}
			}
			if (count > 16) refuse('props has more than 16 entries');
		}
		if ('firstOfSession' in newDoc && typeof newDoc.firstOfSession !== 'boolean') {
			refuse('firstOfSession must be true or false');
		}
		if ('firstOfDay' in newDoc && typeof newDoc.firstOfDay !== 'boolean') {
			refuse('firstOfDay must be true or false');
		}
		var lists = ['propFirstOfSession', 'propFirstOfDay'];
		for (var li = 0; li < lists.length; li++) {
			if (!(lists[li] in newDoc)) continue;
			var keys = newDoc[lists[li]];
			if (!(keys instanceof Array) || keys.length > 16) {
				refuse(lists[li] + ' must be a list of at most 16 prop names');
			}
			for (var ki = 0; ki < keys.length; ki++) {
				if (!isText(keys[ki], 64) || keys[ki].length === 0) {
					refuse(
						lists[li] + ' must hold prop names of 1–64 characters, without control characters'
					);
				}
			}
		}
	} else if (type === 'heartbeat') {
		if (!isWhole(newDoc.engagedMs, 0, 120000)) refuse('engagedMs must be 0–120000');
		if ('scroll' in newDoc && !isWhole(newDoc.scroll, 0, 100)) refuse('scroll must be 0–100');
		if ('scrollFrom' in newDoc && !isWhole(newDoc.scrollFrom, 0, 100)) {
			refuse('scrollFrom must be 0–100');
		}
	} else if (type === 'milestone') {
		if (['actual', 'engaged', 'nonbounce'].indexOf(newDoc.milestone) === -1) {
			refuse('milestone must be actual, engaged or nonbounce');
		}
	} else if (type === 'dropped') {
		if (!isWhole(newDoc.count, 1, 1000000)) refuse('count must be 1–1000000');
	}
	// Heartbeats and milestones: the time from their session's entry (byType allows it).
	if ('since' in newDoc && !isWhole(newDoc.since, 0, 2592000000)) {
		refuse('since must be 0–2592000000');
	}
};
