# EPCIS profile "none": plain EPCIS 1.2 + CBV, no market rules.
# Format: `key = value`, one per line; `#` starts a comment. Flags are yes/no. The same rows
# live in src/epcis/profile.c; tests/unit/epcis/test_epcis_profile.c keeps the two equal.
name = none
title = EPCIS 1.2 + CBV, no market rules
# header carries gs1ushc:dscsaTransactionStatement/affirmTransactionStatement
transaction_statement = no
# header carries >= 1 EPCClass, each with regulatedProductName, dosageFormType,
# strengthDescription, netContentDescription, manufacturerOfTradeItemPartyName
masterdata_required = no
# each EPCClass carries additionalTradeItemIdentification (NDC-11, TypeCode FDA_NDC_11)
ndc_required = no
# a product's NHRN (AI 710-717) is written as additionalTradeItemIdentification
nhrn_masterdata = no
# commissioning ObjectEvents carry ILMD cbvmda:lotNumber + cbvmda:itemExpirationDate
commissioning_ilmd = no
# every event carries readPoint
read_point_required = no
# shipping events carry sourceList and destinationList, each with owning_party and location
shipping_parties = no
# shipping events carry >= 1 bizTransaction
shipping_transaction = no
