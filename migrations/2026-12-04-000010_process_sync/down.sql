DROP INDEX revocation_acks_process;
ALTER TABLE revocation_acks DROP COLUMN process_id;
DROP TABLE sync_processes;
DROP TABLE change_counters;
