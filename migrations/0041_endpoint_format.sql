-- The EPCIS syntax and version of an endpoint's reports (docs/epcis.md "Report formats"):
-- EPCIS 1.2 XML (the default, what every endpoint received so far), EPCIS 2.0 XML or EPCIS 2.0
-- JSON-LD. The document is built in it when a report is queued and stored; the delivery sends
-- those bytes with the matching Content-Type.
ALTER TABLE regulator_endpoint
    ADD COLUMN format text NOT NULL DEFAULT 'epcis-1.2-xml'
        CHECK (format IN ('epcis-1.2-xml', 'epcis-2.0-xml', 'epcis-2.0-jsonld'));
