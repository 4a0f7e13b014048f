"""Probability calibration whose internal folds can respect groups (patients, near-duplicates).

:class:`GroupCalibratedClassifierCV` is scikit-learn's
:class:`~sklearn.calibration.CalibratedClassifierCV` (Platt 1999; Zadrozny & Elkan 2002,
doi:10.1145/775047.775151) with one addition: ``fit(X, y, groups=...)``. With ``groups``, the
internal calibration folds are :class:`~sklearn.model_selection.StratifiedGroupKFold` splits
with the ``n_splits`` (and, when ``cv`` shuffles, the ``random_state``) of ``cv``, so no group
is ever on both sides of a calibration fold: the calibrator is fitted on decision values of
images whose near-duplicates (or same-patient slices) the classifier did not see, as at test
time. Without ``groups`` it behaves exactly like its parent (``cv`` used as given).

Plain scikit-learn routing reaches it inside a :class:`~sklearn.pipeline.Pipeline` as
``pipe.fit(X, y, clf__groups=groups)``; :func:`group_fit_params` builds that keyword for any
model (and nothing for models that take no groups), so callers need not know the model.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedGroupKFold

__all__ = ["GroupCalibratedClassifierCV", "group_fit_params"]


class GroupCalibratedClassifierCV(CalibratedClassifierCV):
    """:class:`~sklearn.calibration.CalibratedClassifierCV` whose folds are grouped when ``fit`` gets ``groups``.

    Parameters are those of :class:`~sklearn.calibration.CalibratedClassifierCV`; ``cv`` must
    be an int or a splitter with ``n_splits`` (e.g. ``StratifiedKFold``) for grouped fits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import StratifiedKFold
    >>> X = np.arange(24, dtype=float).reshape(12, 2)
    >>> y = np.array([0, 1] * 6)
    >>> groups = np.repeat(np.arange(6), 2)  # each group holds one sample of each class
    >>> cal = GroupCalibratedClassifierCV(LogisticRegression(), cv=StratifiedKFold(3), ensemble=False)
    >>> cal.fit(X, y, groups=groups).predict_proba(X[:2]).shape
    (2, 2)
    """

    def calibration_splits(self, X: Any, y: Any, groups: Any) -> list[tuple[Any, Any]]:
        """The grouped ``(train, test)`` index pairs ``fit`` uses for ``groups``.

        With fewer distinct groups than ``n_splits`` (a small training fold), one fold per
        group is used instead, with a :class:`UserWarning` saying so; fewer than two groups
        cannot make a held-out calibration fold and are an error.
        """
        cv = self.cv
        n_splits = cv if isinstance(cv, int) and not isinstance(cv, bool) else getattr(cv, "n_splits", None)
        if not isinstance(n_splits, int):
            raise ValueError(f"cv={cv!r}: grouped calibration needs cv to be an int or a splitter with n_splits")
        n_groups = len(np.unique(np.asarray(groups)))
        if n_groups < 2:
            raise ValueError(f"grouped calibration folds: need at least 2 groups, got {n_groups}")
        if n_groups < n_splits:
            warnings.warn(f"grouped calibration: {n_groups} groups cannot make cv={n_splits} folds; "
                          f"using {n_groups} folds (one group held out in each)", UserWarning, stacklevel=3)
            n_splits = n_groups
        shuffle = bool(getattr(cv, "shuffle", False))
        splitter = StratifiedGroupKFold(n_splits, shuffle=shuffle,
                                        random_state=getattr(cv, "random_state", None) if shuffle else None)
        try:
            return list(splitter.split(X, y, groups))
        except ValueError as exc:
            raise ValueError(f"grouped calibration folds: {exc}") from exc

    def fit(self, X: Any, y: Any, sample_weight: Any = None, groups: Any = None,
            **fit_params: Any) -> GroupCalibratedClassifierCV:
        """Fit the classifier and its calibrator; ``groups`` (one per sample) makes the folds grouped."""
        if groups is None:
            return super().fit(X, y, sample_weight=sample_weight, **fit_params)
        if len(groups) != len(y):
            raise ValueError(f"groups must have one entry per sample ({len(y)}), got {len(groups)}")
        cv = self.cv
        self.cv = self.calibration_splits(X, y, groups)  # restored below: fit does not change parameters
        try:
            return super().fit(X, y, sample_weight=sample_weight, **fit_params)
        finally:
            self.cv = cv


def group_fit_params(model: Any, groups: Any) -> dict[str, Any]:
    """Keyword arguments that hand ``groups`` to ``model.fit`` where it takes them.

    ``{"groups": groups}`` when ``model.fit`` accepts ``groups`` (the CNN classifiers,
    :class:`GroupCalibratedClassifierCV`); ``{"<last step>__groups": groups}`` for a
    :class:`~sklearn.pipeline.Pipeline` whose final step does; else ``{}`` (nothing to group).

    >>> from sklearn.linear_model import LogisticRegression
    >>> group_fit_params(LogisticRegression(), [0, 1])
    {}
    """
    from sklearn.pipeline import Pipeline

    if groups is None:
        return {}
    if "groups" in inspect.signature(model.fit).parameters:
        return {"groups": groups}
    if isinstance(model, Pipeline):
        name, last = model.steps[-1]
        if last is not None and last != "passthrough" and group_fit_params(last, groups):
            return {f"{name}__groups": groups}
    return {}
