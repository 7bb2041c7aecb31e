"""Sequential: training, reproducibility, layer sharing, freezing, summary, predict/evaluate, divergence.

Each test names its oracle: a stated accuracy on a separable problem; a
second run with the same seed (bit equality); a snapshot of the weights
taken before; a hand-computed parameter count; a manual float64 recomputation
of the loss and accuracy.
"""
import re

import numpy as np
import pytest

import tinynet as tn
from tinynet import layers as L
from tinynet.callbacks import Callback
from tinynet.losses import MSE, SoftmaxCrossEntropy


def blobs(n_per_class=50, seed=0):
    """Three well-separated Gaussian blobs in 2-D (a linearly separable problem)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    X = np.concatenate([c + 0.7 * rng.standard_normal((n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    return X.astype("float32"), y


def bars(n=64, seed=0):
    """8x8 images of one horizontal (class 0) or vertical (class 1) bar, plus noise."""
    rng = np.random.default_rng(seed)
    X = 0.1 * rng.standard_normal((n, 1, 8, 8))
    y = rng.integers(0, 2, n)
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i] == 0:
            X[i, 0, pos[i], 1:7] += 1.0
        else:
            X[i, 0, 1:7, pos[i]] += 1.0
    return X.astype("float32"), y


def weights_of(model):
    """Host copies of every param and buffer, in order."""
    return [tn.backend.to_host(v).copy() for layer in model
            for store in (layer.params, layer.buffers) for v in store.values()]


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


class Recorder(Callback):
    """Keeps a copy of the weights at the end of every epoch."""

    def on_train_begin(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs):
        self.weights.append(weights_of(self.model))


# ------------------------------------------------------------- training
def test_training_reduces_loss_and_reaches_accuracy(xp_backend):
    """MLP on three separable blobs: loss falls by >5x and accuracy reaches >= 97%."""
    X, y = blobs()
    model = tn.Sequential([L.Dense(2, 16), L.ReLU(), L.Dense(16, 3)], seed=0)
    loss = SoftmaxCrossEntropy()
    before = model.evaluate(X, y, loss)
    hist = model.fit(X, y, loss, tn.optim.Adam(0.05), epochs=20, batch_size=16, verbose=0)
    after = model.evaluate(X, y, loss)
    assert after["loss"] < before["loss"] / 5, (before, after)
    assert after["accuracy"] >= 0.97
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert len(hist) == 20 and hist.epoch == list(range(20))


def test_cnn_learns_bars(xp_backend):
    """Conv + BN + ReLU + pool + dense tells horizontal from vertical bars (>= 95%)."""
    X, y = bars()
    model = tn.Sequential([L.Conv2D(1, 4, 3, padding=1), L.BatchNorm(4), L.ReLU(), L.MaxPool2D(2),
                           L.Flatten(), L.Dropout(0.1), L.Dense(64, 2)], seed=0)
    model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1, momentum=0.9), epochs=15,
              batch_size=16, verbose=0)
    assert model.evaluate(X, y, SoftmaxCrossEntropy())["accuracy"] >= 0.95


def test_history_keys_and_schedule():
    """History has Keras's keys; its lr column follows the schedule epoch by epoch."""
    X, y = blobs(10)
    model = tn.Sequential([L.Dense(2, 3)], seed=0)
    sched = tn.schedules.StepDecay(0.1, step_size=2, gamma=0.5)
    hist = model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(sched), epochs=5, batch_size=8,
                     validation_data=(X, y), verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time", "lr"}
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    assert all(len(v) == 5 for v in hist.history.values())


# ------------------------------------------------------- reproducibility
def _train(seed, xp_backend=None, shuffle=True):
    X, y = blobs(20)
    model = tn.Sequential([L.Dense(2, 8), L.ReLU(), L.Dropout(0.5), L.Dense(8, 3)], seed=seed)
    np.random.seed(seed + 12345)  # the global RNG must play no part
    model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1, momentum=0.9), epochs=3,
              batch_size=7, shuffle=shuffle, verbose=0)
    return weights_of(model)


def test_same_seed_gives_bit_identical_weights(xp_backend):
    """Oracle: a second run. Dropout masks and shuffling come from the model's seed only."""
    assert_same_weights(_train(0), _train(0))


def test_different_seeds_give_different_weights(xp_backend):
    """Oracle: the seed-0 run; a seed-1 run must differ somewhere."""
    a, b = _train(0), _train(1)
    assert any(not np.array_equal(u, v) for u, v in zip(a, b))


def test_shuffling_changes_training():
    """Same seed and initial weights, shuffle on vs off: the batch order matters (so it is used)."""
    X, y = blobs(20)
    runs = []
    for shuffle in (True, False):
        model = tn.Sequential([L.Dense(2, 8), L.ReLU(), L.Dense(8, 3)], seed=0)
        model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=2, batch_size=7,
                  shuffle=shuffle, verbose=0)
        runs.append(weights_of(model))
    assert any(not np.array_equal(u, v) for u, v in zip(*runs))


def test_one_fit_step_equals_forward_backward_and_update_by_hand(xp_backend):
    """Oracle: the public forward(training=True) / backward of an identical model and
    p -= lr * grad by hand.  fit may run layers in another order (ReLU after
    MaxPool2D) for speed; the update must not change.  The input is full of ties."""
    X, y = bars(16, seed=3)
    X[X < 0.05] = 0.0  # exact zeros: tied windows after the ReLU

    def build():
        return tn.Sequential([L.Conv2D(1, 3, 3, padding=1), L.ReLU(), L.MaxPool2D(2), L.BatchNorm(3),
                              L.Flatten(), L.Dropout(0.3), L.Dense(48, 2)], seed=7)
    fitted, by_hand = build(), build()
    fitted.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=1, batch_size=16,
               shuffle=False, verbose=0)
    loss = SoftmaxCrossEntropy()
    loss.forward(by_hand.forward(xp_backend.asarray(X), training=True), xp_backend.asarray(y))
    by_hand.backward(loss.backward())
    for layer in by_hand:
        for k, p in layer.params.items():
            p -= 0.1 * layer.grads[k]
    for a, b in zip(weights_of(fitted), weights_of(by_hand)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ sharing
def test_slice_shares_layers():
    """model[:2] holds the same layer objects: a change through one shows in the other,
    and building the slice does not re-initialise them."""
    model = tn.Sequential([L.Dense(3, 4), L.ReLU(), L.Dense(4, 2)], seed=0)
    before = weights_of(model)
    head = model[:2]
    assert isinstance(head, tn.Sequential) and len(head) == 2
    assert head[0] is model[0] and head[1] is model[1]
    assert_same_weights(weights_of(model), before)
    head[0].params["W"][0, 0] += 1.0
    assert model[0].params["W"][0, 0] == before[0][0, 0] + 1.0
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(head.predict(x), model[1].forward(model[0].forward(x)))


def test_new_model_from_trained_encoder_keeps_its_weights():
    """Sequential(encoder.layers + [Dense]) keeps the trained encoder, initialises only the new head."""
    X = blobs(20)[0]
    ae = tn.Sequential([L.Dense(2, 6), L.Tanh(), L.Dense(6, 2)], seed=0)
    ae.fit(X, X, MSE(), tn.optim.Adam(0.01), epochs=3, batch_size=8, verbose=0)
    encoder = ae[:2]
    trained = weights_of(encoder)
    head = L.Dense(6, 3, seed=99)
    clf = tn.Sequential(encoder.layers + [head], seed=5)
    assert_same_weights(weights_of(clf)[:2], trained)
    assert clf[0] is ae[0]
    # the new head was (re)drawn from the new model's seed, not kept from seed=99
    assert not np.array_equal(head.params["W"], L.Dense(6, 3, seed=99).params["W"])


# ------------------------------------------------------------- freezing
def test_frozen_prefix_is_unchanged_and_not_backpropagated(monkeypatch):
    """A frozen first layer keeps its params; nobody calls its backward, its grads stay 0."""
    X, y = blobs(20)
    model = tn.Sequential([L.Dense(2, 8), L.ReLU(), L.Dense(8, 3)], seed=0)
    model[0].trainable = False
    frozen = weights_of(model)

    def no_backward(*args, **kwargs):
        raise AssertionError("the frozen prefix was backpropagated through")
    monkeypatch.setattr(model[0], "backward", no_backward)
    monkeypatch.setattr(model[1], "backward", no_backward)
    model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=2, batch_size=8, verbose=0)
    after = weights_of(model)
    np.testing.assert_array_equal(after[0], frozen[0])  # W of layer 0
    np.testing.assert_array_equal(after[1], frozen[1])  # b of layer 0
    assert not np.array_equal(after[2], frozen[2])      # layer 2 trained
    assert all(not g.any() for g in model[0].grads.values())
    assert model.num_params(trainable_only=True) == 8 * 3 + 3


def test_frozen_middle_layer_passes_gradients_through():
    """Freezing layer 2 of 5 keeps it fixed while layer 0 (below it) still trains."""
    X, y = blobs(20)
    model = tn.Sequential([L.Dense(2, 8), L.ReLU(), L.Dense(8, 8), L.ReLU(), L.Dense(8, 3)], seed=0)
    model[2].trainable = False
    before = weights_of(model)
    model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=2, batch_size=8, verbose=0)
    after = weights_of(model)
    np.testing.assert_array_equal(after[2], before[2])
    np.testing.assert_array_equal(after[3], before[3])
    assert not np.array_equal(after[0], before[0])
    assert all(not g.any() for g in model[2].grads.values())
    assert [key for key, _, _ in model.trainable_items()] == [
        (model[0], "W"), (model[0], "b"), (model[4], "W"), (model[4], "b")]


# ------------------------------------------------------ summary, counts
def test_num_params_matches_closed_form():
    """784 -> k hidden layers of m -> 10 has 785m + (k-1)(m^2 + m) + 10m + 10 parameters."""
    for k, m in [(1, 32), (2, 16), (3, 7)]:
        sizes = [784] + [m] * k + [10]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [L.Dense(a, b), L.ReLU()]
        model = tn.Sequential(layers[:-1], seed=0)
        assert model.num_params() == 785 * m + (k - 1) * (m * m + m) + 10 * m + 10
    assert tn.Sequential([L.Dense(784, 10)]).num_params() == 7850


def test_summary_lists_layers_shapes_and_totals():
    """Oracle: hand-computed output shapes and parameter counts."""
    model = tn.Sequential([L.Conv2D(1, 4, 3, padding=1), L.BatchNorm(4), L.ReLU(), L.MaxPool2D(2),
                           L.Flatten(), L.Dense(4 * 14 * 14, 10)], seed=0)
    model[0].trainable = False
    lines = []
    text = model.summary(input_shape=(1, 28, 28), print_fn=lines.append)
    assert lines == [text]
    # conv 4*9 + 4 = 40, batchnorm 2*4 = 8, dense 784*10 + 10 = 7850
    assert "total params: 7,898" in text
    assert "trainable params: 7,858" in text and "non-trainable params: 40" in text
    for layer, shape in zip(model, ["(N, 4, 28, 28)", "(N, 4, 28, 28)", "(N, 4, 28, 28)",
                                    "(N, 4, 14, 14)", "(N, 784)", "(N, 10)"]):
        row = next(line for line in text.splitlines() if repr(layer) in line)
        assert shape in row, row
        assert row.rstrip().endswith(f"{layer.num_params():,}"), row
    assert re.search(r"Conv2D\(.*\) \(frozen\)", text)


def test_summary_before_any_data_uses_in_features():
    """Oracle: 5*3+3 + 3*2+2 = 26 and the shapes from in_features."""
    model = tn.Sequential([L.Dense(5, 3), L.ReLU(), L.Dense(3, 2)], seed=0)
    text = model.summary(print_fn=None)
    assert "(N, 3)" in text and "(N, 2)" in text and "total params: 26" in text


# ----------------------------------------------------- predict, evaluate
def _bn_dropout_model():
    model = tn.Sequential([L.Dense(2, 8), L.BatchNorm(8), L.ReLU(), L.Dropout(0.5), L.Dense(8, 3)],
                          seed=0)
    X, y = blobs(10)
    model.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=2, batch_size=8, verbose=0)
    return model


def test_predict_in_batches_equals_one_forward(xp_backend):
    """Oracle: one inference-mode forward over all of X (dropout off, running BN stats)."""
    model = _bn_dropout_model()
    X = np.random.default_rng(1).standard_normal((37, 2)).astype("float32")
    whole = xp_backend.host(model.forward(xp_backend.asarray(X), training=False))
    for batch_size in (1, 5, 36, 37, 1000):
        np.testing.assert_allclose(model.predict(X, batch_size=batch_size), whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))  # dropout is off


def test_evaluate_matches_manual_computation(xp_backend):
    """Oracle: float64 log-softmax of predict()'s logits, averaged over all N
    (the last partial batch weighted by its size), and the argmax accuracy."""
    model = _bn_dropout_model()
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 2)).astype("float32"), rng.integers(0, 3, 30)
    z = model.predict(X).astype("float64")
    logp = z - z.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    scores = model.evaluate(X, y, SoftmaxCrossEntropy(), batch_size=7)
    assert scores["loss"] == pytest.approx(-logp[np.arange(30), y].mean(), rel=1e-5)
    assert scores["accuracy"] == (z.argmax(1) == y).mean()


def test_get_set_weights_round_trip_and_checks():
    """Oracle: the snapshot taken before overwriting the weights."""
    model = _bn_dropout_model()
    saved = model.get_weights()
    snapshot = weights_of(model)
    model[0].params["W"][...] = 0
    model[1].buffers["running_var"][...] = 7
    model.set_weights(saved)
    assert_same_weights(weights_of(model), snapshot)
    with pytest.raises(ValueError, match="set_weights: expected 5 layers' weights, got 4"):
        model.set_weights(saved[:4])
    bad = model.get_weights()
    bad[0][0]["W"] = np.zeros((3, 8), "float32")
    with pytest.raises(ValueError, match=r"W has shape \(2, 8\), got \(3, 8\)"):
        model.set_weights(bad)


# --------------------------------------------------------------- limits
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_raises_with_context_and_rolls_back(xp_backend):
    """lr 0.01 for epoch 0, then 1e4: the loss overflows in epoch 1.

    Oracle: the error carries epoch/step/lr; the History keeps the one
    finished epoch; the weights equal those recorded at the end of epoch 0.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype("float32")
    Y = (X @ rng.standard_normal((4, 2))).astype("float32")
    model = tn.Sequential([L.Dense(4, 2)], seed=0)
    rec = Recorder()
    opt = tn.optim.SGD(lambda epoch: 0.01 if epoch == 0 else 1e4)
    with pytest.raises(tn.DivergenceError) as info:
        model.fit(X, Y, MSE(), opt, epochs=5, batch_size=8, callbacks=[rec], verbose=0)
    exc = info.value
    assert isinstance(exc, RuntimeError)
    assert exc.epoch == 1 and exc.lr == 1e4 and not np.isfinite(exc.loss)
    assert f"epoch 2, step {exc.step + 1} (learning rate 10000)" in str(exc)
    assert len(exc.history) == 1 and exc.history.epoch == [0]
    assert np.isfinite(exc.history.history["loss"][0])
    assert_same_weights(weights_of(model), rec.weights[0])
    assert all(np.isfinite(w).all() for w in weights_of(model))


def test_max_epochs_env_caps_fit(monkeypatch):
    """Oracle: the number of epochs in the History."""
    monkeypatch.setenv("TINYNET_MAX_EPOCHS", "2")
    X, y = blobs(5)
    hist = tn.Sequential([L.Dense(2, 3)]).fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1),
                                              epochs=10, verbose=0)
    assert len(hist) == 2
    monkeypatch.setenv("TINYNET_MAX_EPOCHS", "50")  # a cap above epochs changes nothing
    hist = tn.Sequential([L.Dense(2, 3)]).fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1),
                                              epochs=3, verbose=0)
    assert len(hist) == 3


def test_verbose_prints_one_line_per_epoch_off_a_terminal(capsys):
    """Oracle: captured stdout (not a tty): one line per epoch, nothing at verbose=0."""
    X, y = blobs(5)
    tn.Sequential([L.Dense(2, 3)]).fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=3,
                                       verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", "1/3"], ["epoch", "2/3"], ["epoch", "3/3"]]
    tn.Sequential([L.Dense(2, 3)]).fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=3,
                                       verbose=0)
    assert capsys.readouterr().out == ""


def test_fit_reordered_relu_pool_equals_plain_order_on_tied_input():
    """fit runs ReLU after MaxPool2D (they commute); the result must not change.

    Oracle: the same steps done by hand with the plain layer order (forward,
    loss, backward, SGD step) on images with a blank background, where ReLU
    zeros tie across whole pooling windows. Weights after one epoch agree
    to float32 rounding.
    """
    rng = np.random.default_rng(3)
    X = np.zeros((96, 1, 12, 12), dtype="float32")
    X[:, :, 3:9, 3:9] = rng.random((96, 1, 6, 6), dtype=np.float32)  # blank border: ties
    y = rng.integers(0, 3, 96)

    def build():
        return tn.Sequential([L.Conv2D(1, 4, 3, padding=1), L.ReLU(), L.MaxPool2D(2),
                              L.Flatten(), L.Dense(4 * 6 * 6, 3)], seed=0)

    fused, plain = build(), build()
    order_rng = np.random.default_rng(0)
    order_rng.bit_generator.state = fused.rng.bit_generator.state
    fused.fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1), epochs=1, batch_size=32, verbose=0)
    loss, opt = SoftmaxCrossEntropy(), tn.optim.SGD(0.1)
    for idx in tn.data.batch_indices(len(X), 32, rng=order_rng):
        loss.forward(plain.forward(X[idx], training=True), y[idx])
        plain.backward(loss.backward())
        opt.step(plain.trainable_items())
    for a, b in zip(weights_of(fused), weights_of(plain)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_metrics_added_by_callbacks_reach_the_history():
    """Oracle: a callback writes logs['extra'] = epoch; History must hold [0, 1]."""
    class Extra(Callback):
        def on_epoch_end(self, epoch, logs):
            logs["extra"] = epoch

    X, y = blobs(5)
    hist = tn.Sequential([L.Dense(2, 3)]).fit(X, y, SoftmaxCrossEntropy(), tn.optim.SGD(0.1),
                                              epochs=2, callbacks=[Extra()], verbose=0)
    assert hist.history["extra"] == [0, 1]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_resets_the_optimizer_so_training_can_go_on():
    """Oracle: after a DivergenceError the momentum state is empty, and fitting on
    with a small learning rate gives finite weights and losses."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype("float32")
    Y = (X @ rng.standard_normal((4, 2))).astype("float32")
    model = tn.Sequential([L.Dense(4, 2)], seed=0)
    opt = tn.optim.SGD(1e4, momentum=0.9)
    with pytest.raises(tn.DivergenceError):
        model.fit(X, Y, MSE(), opt, epochs=3, batch_size=8, verbose=0)
    assert opt.state == {}
    opt.schedule = tn.schedules.Constant(0.01)
    hist = model.fit(X, Y, MSE(), opt, epochs=2, batch_size=8, verbose=0)
    assert all(np.isfinite(v) for v in hist.history["loss"])
    assert all(np.isfinite(w).all() for w in weights_of(model))
