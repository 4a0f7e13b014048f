"""TumorTrace's learning side: data, CNN embeddings, models, training, segmentation, evaluation."""

__version__ = "0.1.0"
