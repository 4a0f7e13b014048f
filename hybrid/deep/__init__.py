"""CNN backbones (registry, weights, channel handling) and CNN embeddings as a transformer.

>>> from hybrid.deep import CNNEmbeddings, create_backbone, available_backbones
>>> available_backbones()
['resnet18', 'resnet34', 'resnet50', 'vgg16']
"""

from hybrid.deep.backbones import (
    BACKBONES,
    Backbone,
    BackboneSpec,
    adapt_input_conv,
    available_backbones,
    create_backbone,
    register_backbone,
)
from hybrid.deep.embeddings import CNNEmbeddings, normalize_batch
from hybrid.deep.weights import WeightsNotAvailableError, cached_weights_path, resolve_state_dict

__all__ = [
    "BACKBONES",
    "Backbone",
    "BackboneSpec",
    "CNNEmbeddings",
    "WeightsNotAvailableError",
    "adapt_input_conv",
    "available_backbones",
    "cached_weights_path",
    "create_backbone",
    "normalize_batch",
    "register_backbone",
    "resolve_state_dict",
]
