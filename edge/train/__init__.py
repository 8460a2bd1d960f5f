"""Training code for the engine (PyTorch; the only place in Glimpse that imports torch)."""
