"""Progress bars: a live widget in Jupyter that leaves its final line as text, a text bar elsewhere."""

import os

from tqdm.auto import tqdm as auto_tqdm
from tqdm.notebook import tqdm as notebook_tqdm
from tqdm.std import tqdm as text_tqdm

# "off": no bars at all. The test runs set it: a training cell's bars send thousands of widget messages, which a
# notebook test runner reads only once the cell has finished.
PROGRESS_ENV_VAR = "MNIST_ADDER_PROGRESS"


class NotebookBar(notebook_tqdm):
    """tqdm's notebook widget, shown through ``display()``, replaced by its final line when done.

    A saved notebook keeps a widget's first state as its plain-text fallback ("0%| | 0/469"), and
    the widget's state as bulky metadata. Replacing the finished widget by its last line of text
    keeps what a reader needs on GitHub and in nbviewer too, and keeps notebooks small.
    """

    def __init__(self, *args, **kwargs):
        from IPython.display import display

        super().__init__(*args, display=False, **kwargs)
        self._handle = None
        if not self.disable:
            self._handle = display(self.container, display_id=True)
            self.displayed = True

    def close(self):
        super().close()
        if self._handle is not None:
            self._handle.update({"text/plain": self.format_meter(**self.format_dict)}, raw=True)
            for widget in (*self.container.children, self.container):
                widget.close()
            self._handle = None


def progress_bar(iterable, desc, disable=False, miniters=1):
    """A progress bar over ``iterable`` that redraws every ``miniters`` steps, whatever the time."""
    disable = disable or os.environ.get(PROGRESS_ENV_VAR) == "off"
    in_jupyter = issubclass(auto_tqdm, notebook_tqdm)
    bar_class = NotebookBar if in_jupyter else text_tqdm
    return bar_class(iterable, desc=desc, disable=disable, leave=True, dynamic_ncols=True, miniters=miniters, mininterval=0)
