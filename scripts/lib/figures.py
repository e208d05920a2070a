# What scripts/plot and scripts/plot-frontier share: writing a matplotlib figure as a PNG.
import os


def save_png(figure, path):
    """Writes `figure` beside `path` and renames it over it, so that no reader ever sees a
    half-written PNG; the PNG depends on the figure only (no software or date in its metadata).
    Raises OSError, with the temporary file removed, when it cannot be written."""
    temporary = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.{os.getpid()}")
    try:
        figure.savefig(temporary, format="png", metadata={"Software": None})
        os.replace(temporary, path)
    except OSError:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
