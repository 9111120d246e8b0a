"""Classes: the class set of a challenge (leaf classes, WNIDs, the is-a hierarchy), the lowest
common ancestors behind the hierarchical error, the vectorized WNID lookup, and the class-set TSV
files they are read from."""
