-- The public verification's one read (docs/resolver.md "Speed") asks two things of a serial's
-- clone alerts: is one open (the verdict is then suspect), and when did the last one close (only
-- later scans count). Two probes of two partial indexes made them two subplans of the hottest
-- statement; this index answers both in one index-only probe (state and closed_at included).
-- Alerts are rare, so the index costs their writes nothing measurable.
CREATE INDEX clone_alert_serial ON clone_alert (gtin, serial) INCLUDE (state, closed_at)
    WHERE kind = 'clone';
