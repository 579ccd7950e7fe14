"""Snapclass's measuring instruments: accuracy, speed and load, each beside its reference.

Run them from the repository root (`python -m benchmarks.<name>`); see benchmarks/README.md.
"""

import os

# The benchmarks print tables; TensorFlow's C++ start-up messages (set before it is imported)
# would bury them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
