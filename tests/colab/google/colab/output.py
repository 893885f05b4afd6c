"""Colab's widget-manager switch, recorded: anywidget calls ``enable_custom_widget_manager`` when it finds
``google.colab.output`` imported, then reads the manager's address from ``_widgets._installed_url``."""

import types

from .calls import record

_widgets = types.SimpleNamespace(_installed_url=None)  # Colab sets it when its custom widget manager is switched on
STAND_IN_MANAGER_URL = "https://ssl.gstatic.com/colaboratory-static/widgets/colab-cdn-widget-manager/stand-in/manager.min.js"


def enable_custom_widget_manager():
    record("output.enable_custom_widget_manager")
    _widgets._installed_url = STAND_IN_MANAGER_URL


def disable_custom_widget_manager():
    record("output.disable_custom_widget_manager")
    _widgets._installed_url = None
