-- 0006: fewer pages written and read per send.
--
-- A commit writes every page it changed to the WAL, 4 KiB each.
-- 1. The (status, execute_after) index keeps only in-flight rows (PENDING, QUEUED,
--    PENDING_APPROVAL, EXECUTING). An INSTANT send inserts its row SIGNED: it no longer
--    writes a page of this index (10 pages per admission before, 9 now). The scans that
--    use it — in-flight rows to cancel or recover, rows that are due — read only those;
--    queries name the same `status IN (...)` term so SQLite can use the partial index.
-- 2. spend_windows, one row per wallet keyed by its id, becomes a WITHOUT ROWID table:
--    the key is the table, so every send's read and rewrite of its window row walks one
--    b-tree instead of the key's index and then the table.
DROP INDEX transactions_status_due;
CREATE INDEX transactions_status_due ON transactions (status, execute_after)
    WHERE status IN ('PENDING', 'QUEUED', 'PENDING_APPROVAL', 'EXECUTING');

CREATE TABLE spend_windows_keyed (
    wallet_id TEXT PRIMARY KEY,
    state TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO spend_windows_keyed (wallet_id, state) SELECT wallet_id, state FROM spend_windows;
DROP TABLE spend_windows;
ALTER TABLE spend_windows_keyed RENAME TO spend_windows;
