"""Training: one loop (:class:`Trainer`) for classifiers and segmenters, checkpoints, history.

>>> from hybrid.training import Trainer, TrainConfig, ClassificationTask, ArrayDataset
"""

from hybrid.training.atomic import atomic_directory, atomic_path
from hybrid.training.checkpoint import load_checkpoint, rng_state, save_checkpoint, seed_everything, set_rng_state
from hybrid.training.datasets import ArrayDataset
from hybrid.training.history import History
from hybrid.training.tasks import ClassificationTask, balanced_class_weights
from hybrid.training.trainer import Callback, Task, TrainConfig, Trainer, epoch_generator, move_to_device

__all__ = [
    "ArrayDataset", "Callback", "ClassificationTask", "History", "Task", "TrainConfig", "Trainer",
    "atomic_directory", "atomic_path", "balanced_class_weights", "epoch_generator", "load_checkpoint",
    "move_to_device", "rng_state", "save_checkpoint", "seed_everything", "set_rng_state",
]
