"""The learned triage model (triage_ngrams.npz), written by tools/train_triage.py."""
