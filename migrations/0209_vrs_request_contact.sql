-- A DSCSA verification request's attestation and requester contact (GS1 US Lightweight
-- Messaging Standard for DSCSA Verification, R1.3: ctrlPossessAtt, email, telephone) are kept
-- in the request's log row, beside what it asked: a MAH following up a suspect product
-- (FD&C Act §582(c)(4)) needs whom to call and whether the requester said it holds the
-- product. Null when the request had none, and for connectivity checks. vrs_request is partitioned by month (0150): the parent's new columns
-- reach every partition, and an added nullable column rewrites none of them.
ALTER TABLE vrs_request
    ADD COLUMN ctrl_possess_att boolean,
    ADD COLUMN email text CHECK (length(email) BETWEEN 3 AND 254),
    ADD COLUMN telephone text CHECK (length(telephone) BETWEEN 1 AND 32);
