-- Nothing to undo: an epoch of 1 instead of 0 only makes a first load read the (possibly empty) rows.
SELECT 1;
