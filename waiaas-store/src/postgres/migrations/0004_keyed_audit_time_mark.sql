-- 0004: the keyed audit chain and the time high-water mark (as SQLite's 0004; a
-- PostgreSQL database never held an unkeyed log, so nothing is carried over).

ALTER TABLE audit_log ADD COLUMN scheme BIGINT NOT NULL DEFAULT 0;

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT
);

-- Advanced with `FOR UPDATE SKIP LOCKED`: a host never waits for another to move it.
CREATE TABLE time_mark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);
INSERT INTO time_mark (id, at) VALUES (1, 0);
