"""Colab's widget-manager switch, recorded: anywidget calls ``enable_custom_widget_manager`` on Colab."""

from .calls import record


def enable_custom_widget_manager():
    record("output.enable_custom_widget_manager")


def disable_custom_widget_manager():
    record("output.disable_custom_widget_manager")
