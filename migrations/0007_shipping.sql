-- GLN company prefix lengths and the shipping data of releases (docs/lifecycle.md "Release:
-- shipping data", docs/delivery.md).

-- A GLN's GS1 Company Prefix length is not derivable from the GLN (DOMAIN.md §1.5), yet the
-- SGLN of an organization's readPoint/bizLocation (urn:epc:id:sgln:CP.LOCREF.EXT, §5.1)
-- needs it. Given at creation, or looked up in GS1's prefix list; NULL when unknown. EPC
-- URIs carry prefixes of 6 to 12 digits (EPC Tag Data Standard).
ALTER TABLE organization
    ADD COLUMN gln_prefix_length smallint
        CHECK (gln_prefix_length BETWEEN 6 AND 12),
    ADD CONSTRAINT organization_gln_prefix_needs_gln
        CHECK (gln_prefix_length IS NULL OR gln IS NOT NULL);

-- What a release ships: source = the releasing MAH (owning party and location), destination
-- = ship_to (owning party and location), and the business transaction that accompanies the
-- change of ownership (DSCSA FD&C Act §581; GS1 US guideline, DOMAIN.md §7). Optional for
-- markets whose profile does not require them; all NULL when not given.
ALTER TABLE market_release
    ADD COLUMN ship_from_gln          char(13) CHECK (ship_from_gln ~ '^[0-9]{13}$'),
    ADD COLUMN ship_to_party_gln      char(13) CHECK (ship_to_party_gln ~ '^[0-9]{13}$'),
    ADD COLUMN ship_to_location_gln   char(13) CHECK (ship_to_location_gln ~ '^[0-9]{13}$'),
    ADD COLUMN transaction_type       text CHECK (transaction_type ~ '^[a-z]{2,16}$'),
    ADD COLUMN transaction_id         text CHECK (length(transaction_id) BETWEEN 1 AND 100),
    ADD CONSTRAINT market_release_ship_to_whole
        CHECK ((ship_to_party_gln IS NULL) = (ship_to_location_gln IS NULL)
               AND (ship_to_party_gln IS NULL) = (ship_from_gln IS NULL)),
    ADD CONSTRAINT market_release_transaction_whole
        CHECK ((transaction_type IS NULL) = (transaction_id IS NULL));

-- The same data on the release's EPCIS event, exactly as px_epcis_event carries it (and as
-- the event hash covers it):
--   source_party, source_location           -> ev.sources (owning_party, location: SGLN URIs)
--   dest_party, dest_location               -> ev.destinations (owning_party, location)
--   biz_tx_type, biz_tx                     -> ev.biz_transactions[0] (bare CBV btt word,
--                                              urn:epcglobal:cbv:bt:GLN:ID)
ALTER TABLE epcis_event
    ADD COLUMN source_party     text,
    ADD COLUMN source_location  text,
    ADD COLUMN dest_party       text,
    ADD COLUMN dest_location    text,
    ADD COLUMN biz_tx_type      text,
    ADD COLUMN biz_tx           text,
    ADD CONSTRAINT epcis_event_biz_tx_whole CHECK ((biz_tx_type IS NULL) = (biz_tx IS NULL));
