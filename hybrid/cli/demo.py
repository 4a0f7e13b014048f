"""``tumortrace demo``: serve the Gradio page over saved models (see :mod:`hybrid.app`)."""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    try:
        from hybrid.app import launch
    except ImportError as exc:  # gradio is the optional extra `.[demo]`
        print(f"tumortrace demo needs the demo extra: pip install 'tumortrace[demo]' ({exc})")
        return 2
    launch(
        args.models,
        host=args.host,
        port=args.port,
        max_file_size=args.max_file_size,
        work_dir=args.work_dir,
        trust_pickle=args.trust_pickle,
    )
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="serve the web demo (upload a scan, choose a model, see probabilities and the tumor outline)",
        description="Serve a Gradio page over saved models. Without --models, small models are first trained "
        "on synthetic phantoms so the page works on a fresh machine.",
    )
    p.add_argument("--models", default=None, help="folder whose sub-folders are saved models (tumortrace save format)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=None, help="port (default: Gradio picks a free one from 7860)")
    p.add_argument("--max-file-size", default="25mb", help="upload size limit, e.g. 25mb (default)")
    p.add_argument("--work-dir", default="runs/demo-app", help="where default models and examples are written")
    p.add_argument(
        "--trust-pickle", action="store_true", help="allow loading pickled scikit-learn parts (only for files you trust)"
    )
    p.set_defaults(func=_run)
