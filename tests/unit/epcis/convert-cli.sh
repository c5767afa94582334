#!/usr/bin/env bash
# packid epcis convert, end to end through the binary: the DSCSA golden
# document 1.2 -> 2.0 JSON-LD -> 2.0 XML -> 1.2 keeps every eventID, each step validates with
# the independent oracles (official 2.0 JSON schema via python3-jsonschema, official XSDs via
# ../shared/tools/epcis-validate; packid's own 2.0 validator too), and an event outside the
# model stops with exit 1.
#   convert-cli.sh PACKID SOURCE_DIR SHARED_DIR
set -euo pipefail
packid=$1 src=$2 shared=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
golden=$src/epcis/examples/us-dscsa.xml
"$packid" epcis convert --to 2.0-json "$golden" -o "$tmp/a.jsonld"
"$packid" epcis convert --to 2.0-xml "$tmp/a.jsonld" -o "$tmp/b.xml"
"$packid" epcis convert --to 1.2-xml "$tmp/b.xml" -o "$tmp/c.xml"
/usr/bin/python3 "$src/tests/unit/epcis/json-schema-validate.py" \
  "$shared/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json" "$tmp/a.jsonld"
"$shared/tools/epcis-validate" --v2 "$tmp/b.xml" >/dev/null
# packid's own JSON-LD check (the schema file from PACKID_EPCIS2_JSON_SCHEMA) agrees, and
# refuses the same document with an event's eventTime taken out.
PACKID_EPCIS2_JSON_SCHEMA="$shared/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json" \
  "$packid" epcis validate --format 2.0-json "$tmp/a.jsonld" >/dev/null
# The format by an endpoint's name too, as epcis export takes it.
PACKID_EPCIS2_JSON_SCHEMA="$shared/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json" \
  "$packid" epcis validate --format epcis-2.0-jsonld "$tmp/a.jsonld" >/dev/null
sed 's/"eventTime":"[^"]*",//' "$tmp/a.jsonld" >"$tmp/bad.jsonld"
set +e
PACKID_EPCIS2_JSON_SCHEMA="$shared/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json" \
  "$packid" epcis validate --format 2.0-json "$tmp/bad.jsonld" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 1 ]
grep -q 'eventTime' "$tmp/err"
# packid's own in-process validator agrees (2.0 XSD), and refuses the 1.2 document as 2.0.
"$packid" epcis validate --format 2.0-xml --xsd-dir "$shared/reference/epcis-2.0/xsd" \
  "$tmp/b.xml" >/dev/null
set +e
"$packid" epcis validate --format 2.0-xml --xsd-dir "$shared/reference/epcis-2.0/xsd" \
  "$golden" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ]
"$shared/tools/epcis-validate" --v1 "$tmp/c.xml" >/dev/null
ids() { grep -o 'ni:///sha-256;[0-9a-f]*?ver=CBV2.0' "$1"; }
[ "$(ids "$golden" | wc -l)" -gt 0 ]
# EPCClass master data survives the chain (the NDC of DOMAIN.md Appendix A).
grep -q "55154944905" "$tmp/a.jsonld"
grep -q "FDA_NDC_11" "$tmp/c.xml"
# A UTF-8 byte order mark before a JSON document is ignored (RFC 8259 §8.1), by convert and by
# validate; before an XML document it is the XML reader's (XML 1.0 §4.3.3): both read alike.
printf '\357\273\277' | cat - "$tmp/a.jsonld" >"$tmp/bom.jsonld"
printf '\357\273\277' | cat - "$tmp/b.xml" >"$tmp/bom.xml"
"$packid" epcis convert --to 2.0-xml "$tmp/bom.jsonld" -o "$tmp/bom-b.xml"
"$packid" epcis convert --to 2.0-json "$tmp/bom.xml" -o "$tmp/bom-a.jsonld"
cmp "$tmp/bom-b.xml" "$tmp/b.xml"
cmp "$tmp/bom-a.jsonld" "$tmp/a.jsonld"
PACKID_EPCIS2_JSON_SCHEMA="$shared/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json" \
  "$packid" epcis validate --format 2.0-json "$tmp/bom.jsonld" >/dev/null
for f in "$tmp/a.jsonld" "$tmp/b.xml" "$tmp/c.xml"; do
  diff <(ids "$golden") <(ids "$f") || { echo "eventIDs changed in $f" >&2; exit 1; }
done
# Outside the model: refused with the reason, no output file left behind.
set +e
"$packid" epcis convert --to 2.0-json -o "$tmp/t.jsonld" \
  "$shared/reference/epcis-2.0/examples/gs1-epcis/XML/Example-TransactionEvent-2020_07_03y.xml" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 1 ]
grep -q epcis_unsupported "$tmp/err"
[ ! -e "$tmp/t.jsonld" ]
# A creationDate without an offset cannot be written again as it was: refused, never the time
# of reading in its stead, and no output file.
printf '%s' '{"@context":[],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-01-01T00:00:00","epcisBody":{"eventList":[]}}' >"$tmp/nooffset.jsonld"
set +e
"$packid" epcis convert --to 2.0-xml -o "$tmp/nooffset.xml" "$tmp/nooffset.jsonld" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 1 ]
grep -q creationDate "$tmp/err"
[ ! -e "$tmp/nooffset.xml" ]
# Unknown target format: usage error, not a crash.
set +e
"$packid" epcis convert --to 3.0-yaml "$golden" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ]
echo "convert: ok"
