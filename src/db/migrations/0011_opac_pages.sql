-- 0011: what the public record page reads beside its record (src/opac/record.c): "more by the
-- same author" and "more in the same class" of the school. Without these a record page would
-- read every record of its school twice; with them each block is one short range of an index.
CREATE INDEX biblios_unit_authors ON biblios (unit_id, authors_fold);
CREATE INDEX biblios_unit_class ON biblios (unit_id, class_number);
