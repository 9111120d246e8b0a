"""Statistics: every interval and paired test the leaderboards print, on per-image losses
(bootstrap, McNemar, the sign test) and on detection mAP (a paired bootstrap over images)."""
