"""A short end-to-end demo: train a 784-128-10 MLP on real MNIST and check it.

    python -m tinynet.demo [--epochs 5] [--backend numpy|cupy] [--cnn]

Loads MNIST through ``tinynet.data`` (verified download or cache), trains with
SGD + momentum, prints the test accuracy, saves the model, loads it back and
checks the predictions are identical.  ``--cnn`` trains a small CNN instead.
"""
import argparse
import os
import sys
import tempfile
import time

import tinynet as tn
from tinynet import layers as L


def build(cnn):
    if cnn:
        return tn.Sequential([
            L.Conv2D(1, 16, kernel_size=5, padding=2), L.ReLU(), L.MaxPool2D(2),
            L.Flatten(), L.Dropout(0.25), L.Dense(16 * 14 * 14, 10),
        ], seed=0)
    return tn.Sequential([L.Dense(784, 128), L.ReLU(), L.Dense(128, 10)], seed=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinynet.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--backend", choices=tn.backend.BACKENDS, default=tn.get_backend())
    parser.add_argument("--cnn", action="store_true", help="train a small CNN instead of the MLP")
    parser.add_argument("--data-dir", default=None, help="folder with the MNIST IDX files")
    args = parser.parse_args(argv)

    tn.use_backend(args.backend)
    start = time.perf_counter()
    (X, y), (X_val, y_val), (X_test, y_test) = tn.data.load_mnist(
        data_dir=args.data_dir, flatten=not args.cnn, validation=5000, seed=0)
    print(f"MNIST: {len(X)} train / {len(X_val)} validation / {len(X_test)} test images "
          f"(loaded in {time.perf_counter() - start:.1f}s); backend: {tn.backend.describe()}")

    model = build(args.cnn)
    model.summary(input_shape=X.shape[1:])
    loss = tn.losses.SoftmaxCrossEntropy()
    optimizer = tn.optim.SGD(lr=0.05, momentum=0.9)
    history = model.fit(X, y, loss=loss, optimizer=optimizer, epochs=args.epochs, batch_size=128,
                        validation_data=(X_val, y_val))
    scores = model.evaluate(X_test, y_test, loss=loss)
    train_time = sum(history.history["epoch_time"])
    print(f"test accuracy {scores['accuracy']:.4f}, test loss {scores['loss']:.4f} "
          f"after {len(history)} epochs ({train_time:.1f}s of training)")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "demo.npz")
        model.save(path)
        same = (tn.load(path).predict(X_test[:1000]) == model.predict(X_test[:1000])).all()
        print(f"saved to .npz and loaded back: predictions {'identical' if same else 'DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
