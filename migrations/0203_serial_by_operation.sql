-- The packs of one commission and of one release, found through their own index
-- (docs/scaling.md "Events that name their packs by operation"). A commissioning event names its
-- packs by commission_id and a release event by release_id (migration 0004): reading an event's
-- packs, the packs of a release's report, or the commissionings a release's packs came from
-- read only that operation's packs, not every pack of the batch (at 1,000,000 packs in one
-- batch released by pallets, three reads of the whole batch for every pallet). All the packs
-- of one operation share the key, so each index is deduplicated B-tree postings: a few bytes
-- a pack. Built under the table's lock (minutes at 100,000,000 packs; docs/scaling.md).
CREATE INDEX serial_commission ON serial (commission_id) WHERE commission_id IS NOT NULL;
CREATE INDEX serial_release ON serial (release_id) WHERE release_id IS NOT NULL;
