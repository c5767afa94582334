# EPCIS profile "eu": EU Falsified Medicines Directive, Delegated Regulation (EU) 2016/161.
# Format: see none.profile. Mirrors src/epcis/profile.c.
#
# Art 4(b): the unique identifier is product code (GTIN), serial, NHRN where a member state
# requires one, batch and expiry -> commissioning carries lot + expiry in ILMD, and the NHRN
# goes with the product's master data. Art 33(2)(a)-(c): name, common name, pharmaceutical
# form, strength, pack type and size are uploaded -> EPCClass master data is required.
# The NHRN's additionalTradeItemIdentificationTypeCode is the national number's name by AI
# (710 PZN, 711 CIP, 712 CN, 713 DRN, 714 AIM, 715 NDC, 716 AIC, 717 SRN): packid's convention,
# no GS1 code list entry was verified for these.
# Not carried in EPCIS: the intended member states (Art 33(2)(d)) and the EU hub's own upload
# format (the EMVS interface is not EPCIS).
name = eu
title = EU FMD (Delegated Regulation (EU) 2016/161)
transaction_statement = no
masterdata_required = yes
ndc_required = no
nhrn_masterdata = yes
commissioning_ilmd = yes
read_point_required = yes
shipping_parties = no
shipping_transaction = no
