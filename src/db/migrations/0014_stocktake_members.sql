-- 0014: what the biên bản kiểm kê (src/stocktake/) prints that 0012 has no room for: the members
-- of the stocktake committee and its conclusions, both free text given when the session closes
-- (empty: the report names the accounts who scanned and writes the conclusion from the counts).
ALTER TABLE stocktakes ADD COLUMN members TEXT NOT NULL DEFAULT '';
ALTER TABLE stocktakes ADD COLUMN conclusion TEXT NOT NULL DEFAULT '';
-- Where a closed whole-library session's line of part III ends: the school's highest copy id and
-- highest part II number (withdrawals.number) it counted, so the next line's "in" and "out" are
-- exactly what came after (ids and numbers are given in order; a timestamp of seconds cannot
-- tell a copy added in the very second of the close from one counted by it).
ALTER TABLE stocktakes ADD COLUMN last_item_id BIGINT;
ALTER TABLE stocktakes ADD COLUMN last_withdrawal_no BIGINT;
