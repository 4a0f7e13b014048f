"""Held-out evaluation: classification metrics, bootstrap CIs, the DeLong test, fold summaries.

* :func:`classification_metrics` (:mod:`hybrid.evaluation.classification`)
* :func:`bootstrap_ci`, :func:`delong_test`, :func:`delong_roc_variance` (:mod:`hybrid.evaluation.stats`)
* :func:`summarize_classification`, :func:`compare_best_families` (:mod:`hybrid.evaluation.summary`)

Segmentation metrics (Dice, IoU, HD95) live in :mod:`hybrid.segmentation.metrics`.
"""

from hybrid.evaluation.classification import classification_metrics
from hybrid.evaluation.stats import bootstrap_ci, delong_roc_variance, delong_test
from hybrid.evaluation.summary import compare_best_families, summarize_classification

__all__ = ["bootstrap_ci", "classification_metrics", "compare_best_families", "delong_roc_variance", "delong_test",
           "summarize_classification"]
