"""Give an index of the schema before (11: heads in marshalled chunks) this schema's heads,
written by the writer the build uses, so the reopen of a million posts can be measured
without parsing 3 GB again (a build of the million-post web copy takes about 45 minutes).

    python -m tests.bench.upgrade_heads ARCHIVE INDEX

Rewrites INDEX in place (copy it first if others use it): the old heads table is dropped,
the posts are read back from the `posts` table (which holds every field the heads hold) a
chunk at a time, written by `tui.index._HeadsWriter`, the facets computed as a build does,
and the schema and fingerprint set to this version's. Prints what it did and its CPU time.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import tui.index as index
from tui.ingest import find_dumps
from tui.library import split_tags
from tui.model import Media, Post, PostDate
from tui.pathkeys import distinct_files

_MEDIA = Media("media")  # the heads keep only whether a post has media


def upgrade(archive: Path, target: Path) -> int:
    conn = sqlite3.connect(target, isolation_level=None)
    schema = index._SCHEMA
    tables = schema[schema.index("CREATE TABLE heads") : schema.index("CREATE TABLE facets")]
    conn.executescript(index._BUILD_PRAGMAS + "BEGIN; DROP TABLE IF EXISTS heads; "
                       "DROP TABLE IF EXISTS head_values; DROP TABLE IF EXISTS head_tables;"
                       + tables)  # fmt: skip
    writer = index._HeadsWriter(conn)
    dates: dict[tuple[str, int], PostDate] = {}
    chunk: list[Post] = []
    posts = 0
    read = conn.cursor()  # a cursor of its own: the writer writes while this one reads
    for (post_id, source, channel, iso, inferred, has_bounds, after, before, tags,
         has_media) in read.execute(
            "SELECT id, source, channel, date, inferred, has_bounds, bound_after, "
            "bound_before, tags, has_media FROM posts ORDER BY pos"):  # fmt: skip
        date = None
        if iso is not None:
            date = dates.get((iso, inferred))
            if date is None:
                date = dates[(iso, inferred)] = PostDate.from_iso(iso, bool(inferred))
        chunk.append(Post(id=post_id, source=source, title="", text="", date=date,
                          date_bounds=(after, before) if has_bounds else None,
                          hashtags=split_tags(tags), media=_MEDIA if has_media else None,
                          channel=channel))  # fmt: skip
        if len(chunk) >= index.HEADS_CHUNK:
            writer.write(chunk)
            posts += len(chunk)
            chunk = []
    if chunk:
        writer.write(chunk)
        posts += len(chunk)
    writer.finish()
    index._write_facets(conn)
    dumps = distinct_files(list(find_dumps(archive, print)), lambda dump: dump.path)
    fingerprint = index._fingerprint([index._segment_key(dump) for dump in dumps])
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                     [("schema", index.SCHEMA_VERSION), ("fingerprint", fingerprint)])
    conn.execute("COMMIT")
    conn.close()
    index.checked_mark(target).unlink(missing_ok=True)  # checked again on the next open
    return posts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.process_time()
    posts = upgrade(Path(argv[0]), Path(argv[1]))
    print(f"{argv[1]}: {posts:,} posts' heads rewritten (schema {index.SCHEMA_VERSION}) in "
          f"{time.process_time() - start:.1f} s of CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
