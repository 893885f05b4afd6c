// How a drawing pad draws, shared by the notebooks' pad (drawing_pad.py, which inlines this file) and the book's
// Try it page (web/try_it.js imports it): black ink with round ends, the width of MNIST's stroke once scaled.

// Where a pointer event falls on a canvas of size x size pixels, however large the canvas is shown.
export function pointAt(canvas, event, size) {
  const box = canvas.getBoundingClientRect();
  return [((event.clientX - box.left) * size) / box.width, ((event.clientY - box.top) * size) / box.height];
}

export function strokeLine(pen, from, to, width) {
  pen.strokeStyle = "black";
  pen.lineWidth = width;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(...from);
  pen.lineTo(...to);
  pen.stroke();
}

// a line from a point to itself draws nothing in Chromium (zero-length segments are dropped): a tap gets a disc
export function strokeDot(pen, [x, y], width) {
  pen.fillStyle = "black";
  pen.beginPath();
  pen.arc(x, y, width / 2, 0, 2 * Math.PI);
  pen.fill();
}
