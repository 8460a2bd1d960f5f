"""Model runtimes under every stage: tensor specs, the backend interface, onnxruntime and TensorRT.

A stage opens a graph with :func:`edge.inference.registry.load_backend`;
this package imports no stage (face, motion, spotting, engine, ...).
"""
