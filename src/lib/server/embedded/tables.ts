/**
 * How many table files each of the store's leveldbs keeps open, and so mapped into its
 * resident set.
 *
 * leveldb 1.20 (bundled by classic-level for the view store and by leveldown for
 * PouchDB's documents) reads a table file through `mmap` from the moment its table
 * cache opens it (up to 1,000 maps a process, `env_posix.cc`) until the table leaves
 * that cache, which holds `maxOpenFiles` − 10 tables (`db_impl.cc`). The pages reads and
 * compactions touched count in the process's resident set while the file stays mapped.
 * With the default, 1,000, every table of a 1M-record store stayed open: 1,150 MB of
 * mapped pages in a 1.5 GB peak (views/MEASURED.md, "1M records, and what the peak
 * resident set holds"). 74 is the least leveldb accepts.
 */
export const TABLES_OPEN = 64;

/** leveldb options (classic-level's and leveldown's `open`) keeping {@link TABLES_OPEN} tables open at most. */
export const TABLE_LIMIT = { maxOpenFiles: TABLES_OPEN + 10 } as const;
