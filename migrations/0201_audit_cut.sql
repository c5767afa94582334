-- Cuts of the audit chains (docs/audit.md "Cuts"): a cut is a signed checkpoint that also says
-- the chain's entries up to and with its head may leave the log (a detached month). The
-- verifier starts the chain at its newest cut instead of at its first entry. Its own signed
-- text (packid-audit-cut-v1), so an ordinary checkpoint cannot be turned into a cut by
-- flipping this column. A constant default: no rewrite of the table.
ALTER TABLE audit_checkpoint ADD COLUMN cut boolean NOT NULL DEFAULT false;
