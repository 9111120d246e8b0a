"""Seeded synthetic data for the demo, the tests and the benches: a class set at ImageNet-21k's
scale, and object detection ground truth with a noisy detector's file."""
