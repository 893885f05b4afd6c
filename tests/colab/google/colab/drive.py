"""``drive.mount`` records its mount point instead of asking for Google Drive."""

from .calls import record


def mount(mountpoint, force_remount=False):
    record("drive.mount", mountpoint)
