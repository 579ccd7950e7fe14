"""Fine-tuning on the server: starting a job, the dataset, the training loop, the job, runners.

Only train.py, model.py and export.py import Keras; the web server loads them when a job runs.
"""


class FinetuneError(RuntimeError):
    """A job cannot go on; its message is shown to the teacher as the job's error."""
