"""tinynet's experiments: one module per problem of PROBLEMS.md, a runner and a report.

    python -m experiments list
    python -m experiments run p03-depth-vs-width [--quick] [--seeds N] [--backend cupy]
    python -m experiments run all --quick
    python -m experiments report

Every module defines ``ID``, ``TITLE``, ``QUESTION``, ``ESTIMATE`` (seconds per
mode on 2 CPU cores), ``run(ctx) -> summary`` and ``report(summary) -> markdown``.
"""
import importlib

# id -> module name, in report order
EXPERIMENTS = {
    "p01-param-count": "p01_param_count",
    "p02-depth-range": "p02_depth_range",
    "p03-depth-vs-width": "p03_depth_vs_width",
    "p04-layer-shapes": "p04_layer_shapes",
    "p05-batch-size": "p05_batch_size",
    "p06-learning-rate": "p06_learning_rate",
    "p07-activations": "p07_activations",
    "p08-cnn-search": "p08_cnn_search",
    "p09-stacked-cnn": "p09_stacked_cnn",
    "p10-autoencoder": "p10_autoencoder",
    "p11-frozen-encoder": "p11_frozen_encoder",
    "b1-batch-size": "b1_batch_size",
    "b2-regularization": "b2_regularization",
    "b3-architecture-grid": "b3_architecture_grid",
    "b4-regression": "b4_regression",
}


def module_name(exp_id):
    """``"experiments.p03_depth_vs_width"`` for ``"p03-depth-vs-width"``."""
    if exp_id not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {exp_id!r}; known: {', '.join(EXPERIMENTS)}")
    return f"experiments.{EXPERIMENTS[exp_id]}"


def load(exp_id):
    """The module of experiment ``exp_id``."""
    return importlib.import_module(module_name(exp_id))
