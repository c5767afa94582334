-- Reports of status changes of released packs (decommissioning, reactivation, recall), a
-- report's retry, and which master data version a report's document was built with
-- (docs/delivery.md "Reports").
ALTER TABLE report ADD COLUMN op_id uuid REFERENCES pack_op (id);
ALTER TABLE report ADD COLUMN retry_of uuid REFERENCES report (id);
ALTER TABLE report ADD COLUMN master_version integer;
CREATE INDEX report_tenant_state ON report (tenant_id, state, created_at, id);
CREATE INDEX report_op ON report (op_id) WHERE op_id IS NOT NULL;
CREATE INDEX epcis_event_op ON epcis_event (op_id) WHERE op_id IS NOT NULL;
