"""Image-classification pipelines: image features → scaling → optional reduction → classifier.

:func:`make_pipeline` builds a :class:`sklearn.pipeline.Pipeline` that takes a *list of
images* (any sizes) and labels (strings allowed), so it can be cross-validated, grid-searched
and saved like any scikit-learn model::

    features ─► StandardScaler ─► [PCA] ─► [SelectKBest(f_classif)] ─► classifier

``features`` is :class:`features.handcrafted.HandcraftedFeatures` (``"handcrafted"``),
:class:`hybrid.deep.CNNEmbeddings` (``"deep"``), or both side by side in a
:class:`~sklearn.pipeline.FeatureUnion` (``"fused"``, early fusion by concatenation).

Classifier choices (all handle class imbalance with ``class_weight``, and all give
``predict_proba``):

* ``"svm"`` — RBF :class:`~sklearn.svm.SVC` (C=1, gamma="scale") inside
  :class:`~hybrid.models.calibration.GroupCalibratedClassifierCV` (scikit-learn's
  ``CalibratedClassifierCV`` that accepts ``groups``) with ``ensemble=False``: the SVC is fitted
  on all training data and its decision values are mapped to probabilities by a calibrator fitted
  on internal out-of-fold decision values (``calibration_cv`` stratified folds, grouped when
  groups are given, see below). This is what
  ``SVC(probability=True)`` did (Platt 1999) — deprecated in scikit-learn 1.9 — with
  ``method=calibrate`` (``"sigmoid"`` = Platt scaling when ``calibrate=False``: an SVM has no
  probabilities otherwise). ``predict`` is the arg-max of ``predict_proba``.
* ``"logreg"`` — :class:`~sklearn.linear_model.LogisticRegression` (L2, C=1, lbfgs).
* ``"xgboost"`` — :class:`hybrid.models.tabular.BalancedXGBClassifier` (label encoding and
  balanced sample weights computed inside ``fit``, so nothing needs routing through the
  pipeline).

For ``"logreg"`` and ``"xgboost"``, ``calibrate="sigmoid"|"isotonic"`` wraps them in the same
calibrator (Zadrozny & Elkan 2002, doi:10.1145/775047.775151).

Grouped calibration: the internal calibration folds are stratified; they are also **grouped**
(:class:`~sklearn.model_selection.StratifiedGroupKFold`, same number of folds and seed) when
the pipeline is fitted with the samples' groups, ``pipe.fit(images, y, clf__groups=groups)``
(:func:`hybrid.models.calibration.group_fit_params` builds that keyword, and nothing for an
uncalibrated classifier). Without groups they are stratified only, and near-duplicates of one
lesion may then sit on both sides of a calibration fold (optimistic calibration data).
Calibrators are fitted without class weights, so calibrated probabilities follow the training
prevalence (ranking metrics such as AUC are unaffected).

Performance note: libsvm evaluates each RBF kernel entry with one BLAS ``ddot``; with a
multi-threaded OpenBLAS on a busy machine these tiny threaded calls made an SVM fit on 517
BUSI crops × 16,734 handcrafted features take minutes instead of seconds. Fit under
``threadpoolctl.threadpool_limits(1, "blas")`` (as ``examples/busi_classification.py`` does).

Reference: Pedregosa F et al. Scikit-learn: machine learning in Python. JMLR 12 (2011) 2825–2830.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from features._validation import check_choice, check_positive_int
from hybrid.deep.embeddings import CNNEmbeddings
from hybrid.models.calibration import GroupCalibratedClassifierCV
from hybrid.models.tabular import BalancedXGBClassifier

__all__ = ["make_pipeline", "make_classifier", "FAMILIES", "CLASSIFIERS"]

FAMILIES = ("handcrafted", "deep", "fused")
CLASSIFIERS = ("svm", "xgboost", "logreg")
CALIBRATIONS = (False, None, "sigmoid", "isotonic")


def make_classifier(
    classifier: str = "svm",
    *,
    calibrate: Any = False,
    calibration_cv: int = 5,
    class_weight: Any = "balanced",
    random_state: int = 0,
    n_jobs: int | None = None,
):
    """The final step of :func:`make_pipeline`: a tabular classifier with ``predict_proba``.

    See the module docstring for the choices. Returns an unfitted estimator.

    Examples
    --------
    >>> type(make_classifier("svm")).__name__
    'GroupCalibratedClassifierCV'
    >>> type(make_classifier("logreg")).__name__
    'LogisticRegression'
    """
    check_choice(classifier, "classifier", CLASSIFIERS)
    check_choice(calibrate, "calibrate", CALIBRATIONS)
    calibration_cv = check_positive_int(calibration_cv, "calibration_cv", minimum=2)
    if classifier == "svm":
        base = SVC(kernel="rbf", C=1.0, gamma="scale", class_weight=class_weight, random_state=random_state)
        calibrate = calibrate or "sigmoid"
    elif classifier == "logreg":
        base = LogisticRegression(C=1.0, class_weight=class_weight, max_iter=5000, random_state=random_state)
    else:
        base = BalancedXGBClassifier(class_weight=class_weight, random_state=random_state, n_jobs=n_jobs)
    if not calibrate:
        return base
    folds = StratifiedKFold(calibration_cv, shuffle=True, random_state=random_state)
    return GroupCalibratedClassifierCV(base, method=calibrate, cv=folds, ensemble=False, n_jobs=n_jobs)


def _handcrafted(handcrafted: Any, channels: Any, n_jobs: int | None):
    if handcrafted is None:
        from features.handcrafted import HandcraftedFeatures

        handcrafted = HandcraftedFeatures(n_jobs=n_jobs)
    else:
        handcrafted = clone(handcrafted)
    if channels is not None:
        if not isinstance(channels, int):
            raise ValueError(
                f"channels={channels!r}: handcrafted features use one channel (an int) or the mean over "
                "channels (None); pass an int for the 'handcrafted' and 'fused' families"
            )
        handcrafted.set_params(channel=channels)
    return handcrafted


def _embeddings(embeddings: Any, channels: Any, random_state: int):
    embeddings = CNNEmbeddings(random_state=random_state) if embeddings is None else clone(embeddings)
    if channels is not None:
        embeddings.set_params(channels=channels)
    return embeddings


def make_pipeline(
    family: str = "handcrafted",
    classifier: str = "svm",
    *,
    handcrafted: Any = None,
    embeddings: CNNEmbeddings | None = None,
    channels: int | Sequence[int] | None = None,
    pca: int | float | None = None,
    select_k: int | None = None,
    calibrate: Any = False,
    calibration_cv: int = 5,
    class_weight: Any = "balanced",
    random_state: int = 0,
    n_jobs: int | None = None,
) -> Pipeline:
    """Build an image-classification pipeline (a list of images in, labels out).

    Parameters
    ----------
    family : {"handcrafted", "deep", "fused"}
        Which image features (module docstring).
    classifier : {"svm", "xgboost", "logreg"}
        Final estimator (module docstring).
    handcrafted : HandcraftedFeatures, optional
        Configured handcrafted extractor (cloned); default ``HandcraftedFeatures(n_jobs=n_jobs)``.
    embeddings : CNNEmbeddings, optional
        Configured CNN embeddings (cloned); default ``CNNEmbeddings(random_state=random_state)``
        (ResNet-18, random initialisation, 224 px).
    channels : int, sequence of int or None
        Modality selection for multi-channel images, applied to the extractors: sets
        ``CNNEmbeddings(channels=...)`` and ``HandcraftedFeatures(channel=...)``. For LGG slices
        (0 = pre-contrast, 1 = FLAIR, 2 = post-contrast) compare ``channels=0``, ``1``, ``2``
        and ``None`` (all three for the CNN; the channel mean for handcrafted features).
        A list (e.g. ``[1, 2]``) is valid for the ``"deep"`` family only.
    pca : int or float, optional
        :class:`~sklearn.decomposition.PCA` after scaling: an int keeps that many components, a
        float in (0, 1) the fraction of variance.
    select_k : int, optional
        Keep the ``k`` best columns by ANOVA F (:func:`~sklearn.feature_selection.f_classif`),
        after PCA when both are given.
    calibrate : {False, "sigmoid", "isotonic"}
        Probability calibration (module docstring; the SVM is always calibrated).
    calibration_cv : int
        Internal folds of the calibration (stratified; grouped when ``fit`` gets
        ``clf__groups``, see the module docstring).
    class_weight : "balanced", dict or None
        Class weights of the classifier (``"balanced"``: inverse class frequency).
    random_state : int
        Seeds every random part (CNN initialisation, PCA, calibration folds, XGBoost).
    n_jobs : int, optional
        Workers of the handcrafted extractor, XGBoost and the calibration folds.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``features``, ``scale``, [``pca``], [``select``], ``clf``.

    Examples
    --------
    >>> pipe = make_pipeline("deep", "logreg", embeddings=CNNEmbeddings(image_size=32), pca=0.95)
    >>> [name for name, _ in pipe.steps]
    ['features', 'scale', 'pca', 'clf']
    """
    check_choice(family, "family", FAMILIES)
    if family == "handcrafted":
        features = _handcrafted(handcrafted, channels, n_jobs)
    elif family == "deep":
        features = _embeddings(embeddings, channels, random_state)
    else:
        features = FeatureUnion(
            [("handcrafted", _handcrafted(handcrafted, channels, n_jobs)),
             ("deep", _embeddings(embeddings, channels, random_state))]
        )
    steps: list[tuple[str, Any]] = [("features", features), ("scale", StandardScaler())]
    if pca is not None:
        if isinstance(pca, bool) or not (isinstance(pca, int) and pca >= 1 or isinstance(pca, float) and 0 < pca < 1):
            raise ValueError(f"pca must be an int >= 1 or a float in (0, 1), got {pca!r}")
        steps.append(("pca", PCA(n_components=pca, random_state=random_state)))
    if select_k is not None:
        steps.append(("select", SelectKBest(f_classif, k=check_positive_int(select_k, "select_k"))))
    steps.append(
        ("clf", make_classifier(classifier, calibrate=calibrate, calibration_cv=calibration_cv,
                                class_weight=class_weight, random_state=random_state, n_jobs=n_jobs))
    )
    return Pipeline(steps)
