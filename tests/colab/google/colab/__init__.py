"""A stand-in for Colab's ``google.colab``, for the Colab-like test run (``./run.sh colab-check``).

Colab imports ``google.colab`` at start-up; the notebooks' install cells take their Colab branch
when it is in ``sys.modules``. What the notebooks and their packages may call is here, and each call
is recorded (``calls.py``): ``drive.mount``, ``files.upload``, ``output.enable_custom_widget_manager``
(which anywidget calls on Colab, as the drawing pad is made).
"""

import ipywidgets  # noqa: F401  (Colab imports it at start-up, so pip must not replace it)

from . import drive, files, output  # noqa: F401  (as Colab's own google.colab imports them; anywidget looks for output)
