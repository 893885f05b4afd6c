"""A stand-in for Colab's ``google.colab``, for the Colab-like test run (``./run.sh colab-check``).

Colab imports ``google.colab`` at start-up; the notebooks' install cells take their Colab branch
when it is in ``sys.modules``. Only what the notebooks may call is here: ``drive.mount``.
Nothing provides ``output.enable_custom_widget_manager``, so a notebook that relied on it would fail.
"""

import ipywidgets  # noqa: F401  (Colab imports it at start-up, so pip must not replace it)
