-- The counter version at which the counts kept with a market (0002) were
-- last written. A registration moves them by its delta only while this
-- equals the market's counter version; a writer that bumps the version
-- without keeping the counts (a replica still running the code from before
-- 0002, during a rolling upgrade) leaves them behind, and the next change
-- recounts the market instead.
ALTER TABLE markets ADD COLUMN counts_version BIGINT NOT NULL DEFAULT -1;

UPDATE markets SET counts_version = counter_version;
