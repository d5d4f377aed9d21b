import { describe, expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import { CHECKPOINT_MAX_BYTES, parseCheckpoint } from './checkpoints';

const SESSION = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

/** What PouchDB 9's checkpointer PUTs on the target, as read from its source. */
const pouchCheckpoint = {
	_id: '_local/abc.DEF_123=',
	_rev: '0-3',
	session_id: SESSION,
	history: [
		{ last_seq: 42, session_id: SESSION },
		{ last_seq: 17, session_id: 'b1a2c3d4-0000-4000-8000-000000000000' }
	],
	replicator: 'pouchdb',
	version: 1,
	last_seq: 42
};

function refusal(body: unknown, id = 'abc.DEF_123='): [number, string] {
	try {
		parseCheckpoint(id, body);
	} catch (e) {
		if (e instanceof CouchstatsError) return [e.status, e.message];
		throw e;
	}
	throw new Error('expected a refusal');
}

describe('a checkpoint body', () => {
	test('is what PouchDB’s checkpointer writes, without _id and _rev', () => {
		const { _id, _rev, ...checkpoint } = pouchCheckpoint;
		expect(_id).toBe('_local/abc.DEF_123=');
		expect(parseCheckpoint('abc.DEF_123=', pouchCheckpoint)).toEqual({ checkpoint, rev: _rev });
	});

	test.each([
		['an older PouchDB’s, a sequence alone', { last_seq: 0 }],
		['one whose source is a CouchDB server', { last_seq: '12-g1AAAAFreJzLYWBg4Mh_gTmHgzcv' }],
		['an empty one', {}],
		[
			'the largest the shape admits',
			{
				session_id: 's'.repeat(64),
				history: Array(5).fill({ last_seq: 'q'.repeat(128), session_id: 's'.repeat(64) }),
				replicator: 'r'.repeat(32),
				version: 99,
				last_seq: 'q'.repeat(128)
			}
		]
	])('may be %s', (_, body) => {
		expect(parseCheckpoint('abc', body).checkpoint).toEqual(body);
	});

	test.each<[string, unknown, [number, string]]>([
		[
			'any other field, as a key-value store would hold',
			{ note: 'arbitrary attacker data', x: '<script>' },
			[
				400,
				'note is not a field of a replication checkpoint, which holds session_id, last_seq, history, replicator, version'
			]
		],
		[
			'a special field',
			{ _attachments: {} },
			[
				400,
				'_attachments is not a field of a replication checkpoint, which holds session_id, last_seq, history, replicator, version'
			]
		],
		[
			'another field in a history entry',
			{ history: [{ last_seq: 1, session_id: 'a', note: 'x' }] },
			[400, 'history.0.note is not a field of a history entry, which holds last_seq and session_id']
		],
		[
			'more history than PouchDB keeps',
			{ history: Array(6).fill({ last_seq: 1, session_id: 'a' }) },
			[400, 'history: holds at most 5 entries']
		],
		[
			'free text in a session id',
			{ session_id: 'hello world' },
			[400, 'session_id: must be 1–64 letters, digits or _.:+/=-']
		],
		[
			'a negative sequence',
			{ last_seq: -1 },
			[
				400,
				'last_seq: must be a whole number from 0, or a sequence string of at most 128 characters'
			]
		],
		[
			'a sequence of another type',
			{ last_seq: { seq: 1 } },
			[
				400,
				'last_seq: must be a whole number from 0, or a sequence string of at most 128 characters'
			]
		],
		[
			'a version that is no small number',
			{ version: 1.5 },
			[400, 'version: must be a whole number from 0 to 99']
		],
		[
			'a __proto__ field',
			JSON.parse('{"__proto__": {"x": 1}}'),
			[400, expect.stringMatching(/^__proto__ is not a field of a replication checkpoint/)]
		],
		[
			'a body over the cap',
			{ note: 'x'.repeat(CHECKPOINT_MAX_BYTES) },
			[413, `a checkpoint is at most ${CHECKPOINT_MAX_BYTES} bytes`]
		],
		['an _id naming another', { _id: '_local/other' }, [400, '_id does not match the URL']],
		['a _rev of a document', { _rev: '1-abc' }, [400, '_rev: must be like 0-1']],
		['an array', [1], [400, 'a checkpoint must be a JSON object']]
	])('refuses %s', (_, body, expected) => {
		expect(refusal(body)).toEqual(expected);
	});

	test('refuses an id PouchDB would not make', () => {
		expect(refusal({}, 'a b')).toEqual([400, 'a checkpoint id is 1–128 letters, digits or ._=+-']);
	});
});
