-- The pack operations by containers (a decommission, recall or reactivation with ssccs) that
-- moved a case that carries its own GTIN with its pallet (docs/aggregation.md "Pallets of
-- cases that carry their own GTIN"): the events of the operation list the packs, never the
-- case, so the case's row keeps which operations moved it and GET /v1/packs reads its
-- history through them, as a release that moved it is read through its release_id. Written
-- in the statement that moves the case. GTIN first: distributable with the case's serial.
CREATE TABLE case_op (
    gtin   char(14) NOT NULL,
    serial text NOT NULL,
    op_id  uuid NOT NULL REFERENCES pack_op (id),
    PRIMARY KEY (gtin, serial, op_id)
);
