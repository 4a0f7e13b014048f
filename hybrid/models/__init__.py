"""Classification models: scikit-learn pipelines over image features, and CNN classifiers.

* :func:`make_pipeline` — handcrafted / deep / fused features → scaler → [PCA] → [SelectKBest]
  → SVM, XGBoost or logistic regression (:mod:`hybrid.models.pipelines`);
* :class:`BalancedXGBClassifier` — XGBoost with label encoding and class-balanced weights
  (:mod:`hybrid.models.tabular`);
* :class:`CNNClassifier` (fine-tuned CNN) and :class:`FusedCNNClassifier` (CNN + handcrafted
  features in one head) — :mod:`hybrid.models.cnn`, :mod:`hybrid.models.fused`;
* :class:`GroupCalibratedClassifierCV` / :func:`group_fit_params` — calibration whose internal
  folds respect groups (:mod:`hybrid.models.calibration`);
* :func:`save_model` / :func:`load_model` for every family (:mod:`hybrid.models.persistence`).
"""

from hybrid.models.calibration import GroupCalibratedClassifierCV, group_fit_params
from hybrid.models.cnn import CNNClassifier
from hybrid.models.fused import FusedCNNClassifier
from hybrid.models.persistence import load_model, save_model
from hybrid.models.pipelines import make_classifier, make_pipeline
from hybrid.models.tabular import BalancedXGBClassifier

__all__ = [
    "BalancedXGBClassifier",
    "CNNClassifier",
    "FusedCNNClassifier",
    "GroupCalibratedClassifierCV",
    "group_fit_params",
    "load_model",
    "make_classifier",
    "make_pipeline",
    "save_model",
]
