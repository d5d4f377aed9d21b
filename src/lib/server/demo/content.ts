/**
 * The demo site's Markdown content: posts (`content/posts/*.md`, served at
 * `/blog/<slug>`) and pages (`content/pages/*.md`, served at `/<slug>`), each with
 * front matter (title, slug, date, published). The files are bundled at build time.
 */
import { marked } from 'marked';

/** A post or page as the site lists it. */
export interface Entry {
	kind: 'post' | 'page';
	title: string;
	slug: string;
	/** ISO date, `YYYY-MM-DD`. */
	date: string;
	published: boolean;
	/** The path it is served at. */
	path: string;
}

/** An entry with its rendered body. */
export interface RenderedEntry extends Entry {
	html: string;
}

/**
 * Splits front matter (`---` lines around `key: value` pairs) from the body.
 * @throws {Error} naming the file when the front matter is missing or incomplete.
 */
export function parseEntry(
	text: string,
	kind: Entry['kind'],
	file: string
): Entry & { body: string } {
	const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
	if (!match) throw new Error(`${file}: missing front matter`);
	const fields = Object.fromEntries(
		match[1]
			.split(/\r?\n/)
			.filter((line) => line.trim())
			.map((line) => {
				const at = line.indexOf(':');
				return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
			})
	);
	for (const key of ['title', 'slug', 'date']) {
		if (!fields[key]) throw new Error(`${file}: front matter needs ${key}`);
	}
	if (!/^[a-z0-9][a-z0-9-]*$/.test(fields.slug)) throw new Error(`${file}: bad slug`);
	if (!/^\d{4}-\d{2}-\d{2}$/.test(fields.date)) throw new Error(`${file}: date must be YYYY-MM-DD`);
	return {
		kind,
		title: fields.title,
		slug: fields.slug,
		date: fields.date,
		published: fields.published !== 'false',
		path: kind === 'post' ? `/blog/${fields.slug}` : `/${fields.slug}`,
		body: match[2]
	};
}

const files = {
	post: import.meta.glob('/content/posts/*.md', { query: '?raw', import: 'default', eager: true }),
	page: import.meta.glob('/content/pages/*.md', { query: '?raw', import: 'default', eager: true })
} as Record<Entry['kind'], Record<string, string>>;

const entries = (Object.keys(files) as Entry['kind'][])
	.flatMap((kind) =>
		Object.entries(files[kind]).map(([file, text]) => parseEntry(text, kind, file))
	)
	.sort((a, b) => b.date.localeCompare(a.date) || a.slug.localeCompare(b.slug));

/** Published entries of a kind, newest first (all entries when kind is omitted). */
export function listEntries(kind?: Entry['kind']): Entry[] {
	return entries
		.filter((entry) => entry.published && (!kind || entry.kind === kind))
		.map(({ body: _body, ...entry }) => entry);
}

/** A published entry rendered to HTML, or undefined. */
export function getEntry(kind: Entry['kind'], slug: string): RenderedEntry | undefined {
	const entry = entries.find((e) => e.kind === kind && e.slug === slug && e.published);
	if (!entry) return undefined;
	const { body, ...rest } = entry;
	return { ...rest, html: marked.parse(body, { async: false }) };
}

/** Title and kind of the entry served at a path, for the stats pages. */
export function entryForPath(path: string): Entry | undefined {
	return listEntries().find((entry) => entry.path === path);
}
