"""Split scikit-learn's bundled digits dataset into train and test sets."""
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)
os.makedirs("data", exist_ok=True)
np.savez_compressed("data/digits.npz", x_train=x_train, x_test=x_test, y_train=y_train, y_test=y_test)
print(f"prepared {len(x_train)} training and {len(x_test)} test images in data/digits.npz")
