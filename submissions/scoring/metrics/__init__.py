"""Metrics: the devkits' flat (top-1, top-K) and localization errors, the hierarchical (LCA
height) error, and object detection's matching, average precision and mAP."""
