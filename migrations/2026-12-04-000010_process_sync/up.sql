-- One revocation sync per process instead of one per live tenant (issue 13).
--
-- change_counters: 1024 shards, each moved by every revocation and ban of the
-- tenants hashed to it (store::changes::shard_of), in the same transaction as
-- the tenant's revocation epoch. A process reads the 1024 counters each tick
-- and reads epochs only of live tenants whose shard moved.
CREATE TABLE change_counters (
    shard INTEGER PRIMARY KEY,
    n     BIGINT NOT NULL
);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 1023)
INSERT INTO change_counters (shard, n) SELECT i, 0 FROM s;

-- sync_processes: one row per running process, its sign of life (one write
-- per heartbeat for all its live tenants). An instance's ack counts as alive
-- while its own seen_at or its process's is recent.
CREATE TABLE sync_processes (
    process_id TEXT PRIMARY KEY,
    seen_at    TIMESTAMP NOT NULL
);
ALTER TABLE revocation_acks ADD COLUMN process_id TEXT NOT NULL DEFAULT '';
CREATE INDEX revocation_acks_process ON revocation_acks (process_id);
