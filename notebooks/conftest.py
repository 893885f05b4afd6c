"""pytest --nbval support for the notebooks.

nbval reads a cell's output messages only after the cell has finished. A training cell runs for
minutes and its progress bars send a few thousand widget messages meanwhile; past the ZeroMQ
high-water mark (1,000 queued messages) the kernel client drops the rest, including the one
that says the cell is done, and nbval fails with "Timeout ... waiting for output". Lifting
the limit on the client's output socket lets it queue them all until nbval reads them.
"""

from jupyter_client.connect import ConnectionFileMixin

_create_connected_socket = ConnectionFileMixin._create_connected_socket


def _create_connected_socket_unbounded_iopub(self, channel, identity=None):
    socket = _create_connected_socket(self, channel, identity)
    if channel == "iopub":
        socket.rcvhwm = 0  # no limit
    return socket


ConnectionFileMixin._create_connected_socket = _create_connected_socket_unbounded_iopub
