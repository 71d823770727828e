-- 0009: one index fewer on the audit trail. Every write of the system appends an audit row, and
-- each index of the table is one more page written by each transaction; at the lending desk a
-- loan and a return are a few pages each (bench/lending.sh). No query reads the trail by time
-- alone: the audit pages read a unit's subtree newest first (audit_path_id).
DROP INDEX audit_at;
