"""``drive.mount`` records its mount point instead of asking for Google Drive."""

mounted = []


def mount(mountpoint, force_remount=False):
    mounted.append(mountpoint)
