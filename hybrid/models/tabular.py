"""Tabular classifiers that the image pipelines end with, when scikit-learn has none fitting.

:class:`BalancedXGBClassifier` wraps :class:`xgboost.XGBClassifier` so that it behaves like a
scikit-learn classifier inside a :class:`~sklearn.pipeline.Pipeline`:

* any labels (strings included): a :class:`~sklearn.preprocessing.LabelEncoder` maps them to
  ``0..K-1`` for XGBoost and ``classes_`` maps predictions back;
* class imbalance: ``class_weight="balanced"`` turns into per-sample weights computed in
  ``fit`` (:func:`sklearn.utils.class_weight.compute_sample_weight`,
  ``n_samples / (n_classes * count(class))``), multiplied by any ``sample_weight`` passed. For
  two classes this is equivalent to XGBoost's ``scale_pos_weight = n_neg / n_pos`` up to an
  overall factor, and it also works for more classes — and needs no ``fit`` parameter routed
  through the pipeline;
* binary (``binary:logistic``) and multi-class (``multi:softprob``) objectives chosen from the
  data; ``predict`` is the arg-max of ``predict_proba``, so the two always agree.

Reference: Chen T, Guestrin C. XGBoost: a scalable tree boosting system. KDD 2016.
doi:10.1145/2939672.2939785
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["BalancedXGBClassifier"]


class BalancedXGBClassifier(ClassifierMixin, BaseEstimator):
    """Gradient-boosted trees (XGBoost) with label encoding and class-balanced sample weights.

    Parameters
    ----------
    n_estimators, max_depth, learning_rate, subsample, colsample_bytree, reg_lambda
        Passed to :class:`xgboost.XGBClassifier` (``tree_method="hist"``).
    class_weight : "balanced", dict or None
        Per-class weights applied as sample weights (see the module docstring). ``None``: none.
    random_state : int
        Seed of XGBoost's row/column subsampling.
    n_jobs : int, optional
        XGBoost threads (``None``: XGBoost's default, all cores).

    Attributes
    ----------
    classes_ : ndarray
        Sorted class labels, as given.
    booster_ : xgboost.XGBClassifier
        The fitted model on encoded labels ``0..K-1``.
    n_features_in_ : int

    Examples
    --------
    >>> X = np.r_[np.zeros((6, 2)), np.ones((3, 2))]
    >>> y = np.array(["benign"] * 6 + ["malignant"] * 3)
    >>> clf = BalancedXGBClassifier(n_estimators=5, n_jobs=1).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict(np.ones((1, 2))).tolist()
    (['benign', 'malignant'], ['malignant'])
    """

    def __init__(
        self,
        n_estimators: int = 300,
        max_depth: int = 4,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        class_weight: Any = "balanced",
        random_state: int = 0,
        n_jobs: int | None = None,
    ):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "BalancedXGBClassifier":
        from xgboost import XGBClassifier

        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"BalancedXGBClassifier needs samples of at least 2 classes in the data; got only one class: "
                f"{self.classes_[0]!r}"
            )
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.class_weight is not None:
            weights = weights * compute_sample_weight(self.class_weight, y)
        multi = self.classes_.shape[0] > 2
        self.booster_ = XGBClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            objective="multi:softprob" if multi else "binary:logistic",
            tree_method="hist",
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            verbosity=0,
        )
        self.booster_.fit(X, encoder.transform(y), sample_weight=weights)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n, n_classes)``, columns in the order of ``classes_``."""
        check_is_fitted(self, "booster_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.booster_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """Arg-max of :meth:`predict_proba`, as original labels."""
        check_is_fitted(self, "booster_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
