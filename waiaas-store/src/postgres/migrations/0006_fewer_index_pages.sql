-- 0006: nothing to change on PostgreSQL; the number is kept so both backends' versions
-- name the same schema.
--
-- SQLite's 0006 changes how its pages are laid out (a partial status index, a WITHOUT
-- ROWID window table). PostgreSQL's in-flight reads bind the statuses as one array
-- parameter, which its planner cannot match to a partial index, and its heap tables
-- always keep a separate primary-key index: the same change would slow reads or save
-- nothing here.
SELECT 1;
