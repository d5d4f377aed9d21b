/**
 * A ZIP of text files, made with fflate's streaming `Zip` (pure JavaScript, no native
 * build): each file is deflated as it is added, so only the compressed files are held
 * until the ZIP is ended, never every file's text at once.
 */
import { Zip, ZipDeflate, strToU8 } from 'fflate';

/** A ZIP being written, its files added one by one. */
export class ZipWriter {
	private readonly chunks: Uint8Array[] = [];
	private readonly zip = new Zip((error, chunk) => {
		// fflate's synchronous deflate reports no error here; one would be a bug of its own.
		if (error) throw error;
		this.chunks.push(chunk);
	});

	/** @param mtime The time each file is dated (ZIP stores it in the server's local time). */
	constructor(private readonly mtime: Date) {}

	/**
	 * Adds `text` as the file `name`, UTF-8, deflated (a name that is not ASCII is flagged
	 * UTF-8, as unzip tools expect).
	 */
	add(name: string, text: string): void {
		const file = new ZipDeflate(name, { level: 6 });
		file.mtime = this.mtime;
		this.zip.add(file);
		file.push(strToU8(text), true);
	}

	/** Ends the ZIP: its bytes. No file can be added after. */
	end(): Blob {
		this.zip.end();
		return new Blob(this.chunks as BlobPart[], { type: 'application/zip' });
	}
}
