"""``report.md`` and ``report.html`` from a benchmark ``results`` dict.

Both files are rendered from the same list of blocks (heading, paragraph, table, figure,
preformatted text), so they always say the same thing. ``report.html`` is self-contained:
figures are embedded as base64 ``data:image/png`` URIs and the style sheet is inline, so the
file can be mailed or archived alone. ``report.md`` links the PNGs in ``figures/``.

Table conventions (stated in the report too): per-fold metrics are summarised as
``mean ± std`` over folds (sample std, ``ddof=1``); the bracket is the 95% percentile
bootstrap CI of the metric on the pooled out-of-fold predictions
(:func:`hybrid.evaluation.stats.bootstrap_ci`).
"""

from __future__ import annotations

import base64
import html
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hybrid.training.atomic import atomic_path

__all__ = ["write_report", "make_figures", "render_markdown", "render_html", "build_blocks", "fmt"]


@dataclass
class Block:
    kind: str  # "h1" | "h2" | "h3" | "p" | "table" | "figure" | "pre" | "ul" | "markdown"
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    path: str = ""  # figure path, relative to the output folder


def fmt(value: Any, digits: int = 3) -> str:
    """Format a number for a table; ``nan``/``None`` become an en dash.

    >>> fmt(0.12345), fmt(float("nan")), fmt(None), fmt(12)
    ('0.123', '–', '–', '12')
    """
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "–"
    return f"{v:.{digits}f}"


def _mean_std_ci(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("mean") is None or math.isnan(summary["mean"]):
        return "–"
    text = f"{fmt(summary.get('mean'))} ± {fmt(summary.get('std'))}"
    if summary.get("ci_low") is not None and not math.isnan(summary.get("ci_low", math.nan)):
        text += f" [{fmt(summary['ci_low'])}, {fmt(summary['ci_high'])}]"
    return text


def _mean_std(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("mean") is None or math.isnan(summary["mean"]):
        return "–"
    return f"{fmt(summary.get('mean'))} ± {fmt(summary.get('std'))}"


def _header_blocks(results: dict[str, Any]) -> list[Block]:
    cfg = results.get("config", {})
    blocks = [Block("h1", f"TumorTrace benchmark: {results.get('suite', cfg.get('name', '?'))}")]
    if cfg.get("description"):
        blocks.append(Block("p", cfg["description"]))
    versions = ", ".join(f"{k} {v}" for k, v in results.get("versions", {}).items())
    machine = results.get("machine", {})
    facts = [
        f"Date (UTC): {results.get('date', '?')}",
        f"seed: {results.get('seed', cfg.get('seed', '?'))}",
        f"quick: {cfg.get('quick', False)}",
        f"wall time: {fmt(results.get('wall_time_s'), 1)} s",
        f"machine: {machine.get('platform', '?')}, {machine.get('cpu_count', '?')} CPUs",
    ]
    if results.get("run"):
        facts.insert(4, f"folds computed: {results['run']['computed']}, read from cache: {results['run']['cached']}")
    if machine.get("load_average_1_5_15min"):
        facts.append(f"load average at start: {', '.join(map(str, machine['load_average_1_5_15min']))}")
    blocks.append(Block("p", " · ".join(facts)))
    if versions:
        blocks.append(Block("p", f"Versions: {versions}"))
    ds = results.get("dataset")
    if ds:
        counts = ", ".join(f"{k}: {v}" for k, v in ds.get("class_counts", {}).items())
        blocks.append(Block(
            "p",
            f"Data: {ds.get('description', '?')} — {ds.get('n', '?')} images, {ds.get('n_groups', '?')} groups "
            f"({counts}). Split: {ds.get('split', '?')}.",
        ))
        blocks.extend(Block("p", note) for note in ds.get("notes", []))
    return blocks


def _figure_blocks(results: dict[str, Any]) -> list[Block]:
    blocks = []
    for setting, paths in results.get("figures", {}).items():
        blocks.append(Block("h2", f"Figures — {setting}"))
        blocks.extend(Block("figure", text=label, path=rel) for label, rel in paths)
    return blocks


def _section(title: str, text: str) -> list[Block]:
    return [Block("h2", title), Block("p", text)]


def _classification_blocks(results: dict[str, Any]) -> list[Block]:
    blocks = _section(
        "Results (held-out folds only)",
        "Each cell: mean ± std over test folds (sample std, ddof=1) [95% percentile bootstrap CI on the pooled "
        "out-of-fold predictions, 2000 class-stratified resamples]. Sensitivity, specificity and F1 are those "
        "of the positive class (binary) or macro one-vs-rest averages (multi-class). Timings (means over folds; "
        "they depend on the machine and its load): fit = seconds per fold including feature extraction of the "
        "training images; infer = milliseconds per test image (extraction + classifier); extract = feature "
        "extraction throughput (images/s; – for end-to-end CNNs).",
    )
    header = ["setting", "family", "classifier", "ROC-AUC", "accuracy", "balanced acc.", "sensitivity",
              "specificity", "F1", "fit s", "infer ms/img", "extract img/s"]
    rows = []
    for m in results.get("models", []):
        s = m.get("summary", {})
        t = m.get("timing", {})
        rows.append([
            m["setting"], m["family"], m["classifier"], _mean_std_ci(s.get("roc_auc")),
            _mean_std_ci(s.get("accuracy")), _mean_std(s.get("balanced_accuracy")), _mean_std(s.get("recall")),
            _mean_std(s.get("specificity")), _mean_std(s.get("f1")), fmt(t.get("fit_s"), 2),
            fmt(t.get("infer_ms_per_image"), 2), fmt(t.get("extract_images_per_s"), 1),
        ])
    blocks.append(Block("table", header=header, rows=rows))
    comps = results.get("comparisons", [])
    if comps:
        blocks.append(Block("h3", "Best two families (DeLong test on pooled out-of-fold predictions)"))
        crow = []
        for c in comps:
            if c.get("p_value") is None:
                crow.append([c["setting"], c.get("model1", "–"), c.get("model2", "–"), "–", "–", "–",
                             c.get("note", "")])
            else:
                crow.append([c["setting"], c["model1"], c["model2"], fmt(c["auc1"]), fmt(c["auc2"]),
                             fmt(c["diff"]), f"{c['p_value']:.3g}"])
        blocks.append(Block("table", header=["setting", "model A", "model B", "AUC A", "AUC B", "A − B", "p"],
                            rows=crow))
    warnings = sorted({w for m in results.get("models", []) for w in m.get("warnings", [])})
    if warnings:
        blocks.append(Block("h3", "Warnings"))
        blocks.append(Block("pre", "\n".join(warnings)))
    blocks += _figure_blocks(results)
    pooled = [m for m in results.get("models", []) if m.get("pooled", {}).get("report")]
    if pooled:
        blocks.append(Block("h2", "Pooled classification reports"))
        for m in pooled:
            blocks.append(Block("h3", m["id"]))
            blocks.append(Block("pre", m["pooled"]["report"]))
    return blocks


def _segmentation_blocks(results: dict[str, Any]) -> list[Block]:
    blocks = _section(
        "Segmentation results (held-out folds only)",
        "mean ± std over test folds (ddof=1). Dice (all slices) averages every test slice (empty truth and "
        "empty prediction = 1); Dice and IoU (tumor slices) average the slices whose truth holds tumor; Dice per "
        "patient pools each patient's slices into a volume (tumor-free patients excluded); HD95 in pixels over "
        "slices where truth and prediction are both non-empty; FP slice rate = tumor-free slices with any "
        "predicted pixel.",
    )
    header = ["setting", "model", "Dice (all slices)", "Dice (tumor slices)", "IoU (tumor slices)", "Dice/patient",
              "HD95 px", "FP slice rate", "fit s", "infer ms/img"]
    rows = []
    for m in results.get("models", []):
        s, t = m.get("summary", {}), m.get("timing", {})
        rows.append([m["setting"], m["family"], _mean_std(s.get("dice")), _mean_std(s.get("dice_tumor_slices")),
                     _mean_std(s.get("iou")),
                     _mean_std(s.get("dice_per_patient")), _mean_std(s.get("hausdorff95")),
                     _mean_std(s.get("false_positive_slice_rate")), fmt(t.get("fit_s"), 2),
                     fmt(t.get("infer_ms_per_image"), 2)])
    blocks.append(Block("table", header=header, rows=rows))
    return blocks + _figure_blocks(results)


def build_blocks(results: dict[str, Any]) -> list[Block]:
    """The report's content as blocks (shared by the Markdown and HTML renderers)."""
    blocks = _header_blocks(results)
    task = results.get("task", "classification")
    if task == "classification":
        blocks += _classification_blocks(results)
    elif task == "segmentation":
        blocks += _segmentation_blocks(results)
    if results.get("markdown"):
        blocks.append(Block("markdown", results["markdown"]))
    return blocks


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[Block]) -> str:
    """Markdown text of ``blocks`` (figures as relative links)."""
    out = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + b.text)
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "table":
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "|".join("---" for _ in b.header) + "|")
            out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows)
        elif b.kind == "figure":
            out.append(f"![{b.text}]({b.path})")
        elif b.kind == "pre":
            out.append("```\n" + b.text.rstrip("\n") + "\n```")
        elif b.kind == "markdown":
            out.append(b.text.rstrip("\n"))
        out.append("")
    return "\n".join(out)


_BLOCK_STARTS = ("#", "|", "```", "- ", "* ")


def _markdown_to_blocks(text: str) -> list[Block]:
    """Headings, pipe tables and paragraphs of a small Markdown text (what ``speed`` emits)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
        elif line.startswith("#"):
            level = min(3, len(line) - len(line.lstrip("#")))
            blocks.append(Block(f"h{level}", line.lstrip("#").strip()))
            i += 1
        elif line.startswith("|"):
            table = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set(":- ") for c in cells):
                    table.append(cells)
                i += 1
            blocks.append(Block("table", header=table[0] if table else [], rows=table[1:]))
        elif line.startswith(("- ", "* ")):
            items = []
            while i < len(lines) and lines[i].strip().startswith(("- ", "* ")):
                items.append([lines[i].strip()[2:]])
                i += 1
            blocks.append(Block("ul", rows=items))
        elif line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            blocks.append(Block("pre", "\n".join(lines[i + 1:j])))
            i = j + 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(_BLOCK_STARTS):
                para.append(lines[i].strip())
                i += 1
            blocks.append(Block("p", " ".join(para)))
    return blocks


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1500px;
color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0;font-size:0.75em}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;white-space:nowrap}
.scroll{overflow-x:auto}
th{background:#f0f3f7} tr:nth-child(even) td{background:#fafafa}
pre{background:#f6f8fa;padding:0.8em;overflow-x:auto;font-size:0.8em}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:0.85em;color:#555}
"""


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(blocks: list[Block], out_dir: str | os.PathLike, title: str = "TumorTrace report") -> str:
    """Self-contained HTML of ``blocks``; figures (paths relative to ``out_dir``) are inlined."""
    out_dir = Path(out_dir)
    esc = html.escape
    body = []
    expanded: list[Block] = []
    for b in blocks:
        expanded.extend(_markdown_to_blocks(b.text) if b.kind == "markdown" else [b])
    for b in expanded:
        if b.kind in ("h1", "h2", "h3"):
            body.append(f"<{b.kind}>{esc(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{esc(b.text)}</p>")
        elif b.kind == "table":
            head = "".join(f"<th>{esc(str(h))}</th>" for h in b.header)
            rows = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')
        elif b.kind == "figure":
            png = out_dir / b.path
            if png.is_file():
                body.append(f'<figure><img alt="{esc(b.text)}" src="{_data_uri(png)}">'
                            f"<figcaption>{esc(b.text)}</figcaption></figure>")
            else:
                body.append(f"<p><em>figure missing: {esc(b.path)}</em></p>")
        elif b.kind == "pre":
            body.append(f"<pre>{esc(b.text)}</pre>")
        elif b.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{esc(row[0])}</li>" for row in b.rows) + "</ul>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_report(results: dict[str, Any], out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (atomically) into ``out_dir``.

    Parameters
    ----------
    results : dict
        The benchmark results (the content of ``results.json``); figure paths listed in
        ``results["figures"]`` are relative to ``out_dir`` and must exist already.
    out_dir : path
        Output folder.

    Returns
    -------
    (Path, Path)
        Paths of ``report.md`` and ``report.html``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = build_blocks(results)
    md_path, html_path = out_dir / "report.md", out_dir / "report.html"
    with atomic_path(md_path) as tmp:
        tmp.write_text(render_markdown(blocks), encoding="utf-8")
    title = f"TumorTrace benchmark: {results.get('suite', '')}"
    with atomic_path(html_path) as tmp:
        tmp.write_text(render_html(blocks, out_dir, title), encoding="utf-8")
    return md_path, html_path


def make_figures(results: dict[str, Any], out_dir: str | os.PathLike) -> dict[str, list[tuple[str, str]]]:
    """Draw the report's figures into ``out_dir/figures``; return ``{setting: [(caption, relpath)]}``.

    Classification: one ROC plot (every family × classifier, pooled out-of-fold predictions)
    and one grid of pooled confusion matrices per setting, plus training curves of the CNN
    models. Segmentation: training curves and the best/worst overlays written by the runner
    (overlays are drawn when a fold is computed; those of cached folds whose PNGs were deleted
    are left out).
    """
    from hybrid.reporting.plots import plot_confusion_matrices, plot_roc_curves, plot_training_curves

    out_dir = Path(out_dir)
    fig_dir = out_dir / "figures"
    figures: dict[str, list[tuple[str, str]]] = {}
    models = results.get("models", [])
    settings = list(dict.fromkeys(m["setting"] for m in models))
    for setting in settings:
        group = [m for m in models if m["setting"] == setting]
        items = figures.setdefault(setting, [])
        slug = "".join(c if c.isalnum() else "_" for c in setting)
        if results.get("task") == "classification":
            classes = results.get("dataset", {}).get("classes", [])
            curves = [{"label": f"{m['family']}/{m['classifier']}", "y_true": m["oof"]["y_true"],
                       "proba": m["oof"]["proba"], "auc": m["pooled"]["roc_auc"]} for m in group]
            path = plot_roc_curves(curves, fig_dir / f"roc_{slug}.png", title=f"ROC, pooled out-of-fold ({setting})")
            items.append((f"ROC curves per family ({setting})", os.path.relpath(path, out_dir)))
            mats = [{"label": f"{m['family']}/{m['classifier']}", "matrix": m["pooled"]["confusion_matrix"]}
                    for m in group]
            path = plot_confusion_matrices(mats, classes, fig_dir / f"confusion_{slug}.png",
                                           title=f"pooled out-of-fold confusion matrices ({setting})")
            items.append((f"Confusion matrices ({setting})", os.path.relpath(path, out_dir)))
        runs = [{"label": m["id"], "histories": [f.get("history") for f in m["folds"]]} for m in group
                if any(f.get("history") for f in m["folds"])]
        if runs:
            path = plot_training_curves(runs, fig_dir / f"training_{slug}.png", title=f"training curves ({setting})")
            items.append((f"Training curves ({setting})", os.path.relpath(path, out_dir)))
        for m in group:
            for f in m["folds"]:
                for rel in f.get("overlays", []):
                    if not (out_dir / rel).is_file():  # a cached fold whose figures were deleted
                        continue
                    caption = f"{m['id']} fold {f['fold']}, {Path(rel).parent.name} Dice: {Path(rel).stem}"
                    items.append((caption, rel))
    return figures
