# EPCIS profile "us-dscsa": US Drug Supply Chain Security Act, GS1 US Implementation Guideline
# "Applying GS1 Standards for DSCSA and Traceability" R1.2 (as reflected in implementations,
# DOMAIN.md §7 [T]; document shape of DOMAIN.md Appendix A).
# Format: see none.profile. Mirrors src/epcis/profile.c.
#
# Header: SBDH sender/receiver GLNs, EPCClass master data with the NDC-11 as
# additionalTradeItemIdentification (TypeCode FDA_NDC_11), and the transaction statement
# gs1ushc:dscsaTransactionStatement/gs1ushc:affirmTransactionStatement = true (FD&C Act
# §581(27)). Commissioning: ILMD lot + expiry (product identifier, §581(14)). Shipping:
# transaction information -> owning_party + location on both sides, and a bizTransaction (PO).
name = us-dscsa
title = US DSCSA (GS1 US Implementation Guideline R1.2)
transaction_statement = yes
masterdata_required = yes
ndc_required = yes
nhrn_masterdata = no
commissioning_ilmd = yes
read_point_required = yes
shipping_parties = yes
shipping_transaction = yes
