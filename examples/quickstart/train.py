"""Train a digit classifier and write model.pkl and metrics.json.

Plain scikit-learn: nothing here knows about AME. If MLflow is installed, the metrics are
also logged to it.
"""
import argparse
import json
import pickle
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--data", help="an .npz file written by prepare.py")
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()

if args.data:
    data = np.load(args.data)
    x_train, x_test, y_train, y_test = data["x_train"], data["x_test"], data["y_train"], data["y_test"]
else:
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
print(f"training on {len(x_train)} images, testing on {len(x_test)}", flush=True)

# Early epochs stop before the solver converges, on purpose: that is the learning curve.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
model = None
accuracy = 0.0
for epoch in range(1, args.epochs + 1):
    # More iterations each epoch: a visible learning curve in the log.
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=epoch * 5))
    model.fit(x_train, y_train)
    accuracy = accuracy_score(y_test, model.predict(x_test))
    print(f"epoch {epoch}/{args.epochs}: test accuracy {accuracy:.4f}", flush=True)
    time.sleep(0.2)

with open("model.pkl", "wb") as handle:
    pickle.dump(model, handle)
metrics = {"accuracy": accuracy, "epochs": args.epochs, "train_size": int(len(x_train))}
with open("metrics.json", "w") as handle:
    json.dump(metrics, handle, indent=2)
print(f"wrote model.pkl and metrics.json (accuracy {accuracy:.4f})")

try:
    import mlflow  # noqa: F401  (optional: only when the environment has it)
except ImportError:
    pass
else:
    mlflow.log_metric("accuracy", accuracy)
    mlflow.log_param("epochs", args.epochs)
