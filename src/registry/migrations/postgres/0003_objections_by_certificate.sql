-- certseal registry schema, version 3, PostgreSQL (specs/registry.md, "Schema version 3"): an
-- index on objections by certificate. Every lookup asks whether a version has objections
-- (art. 25, `EXISTS … WHERE o.status_index = c.status_index`); without it each such question
-- read the whole table. The same change as ../0003_objections_by_certificate.sql (SQLite).

CREATE INDEX objections_status_index ON objections(status_index);
